"""What the accessibility tests share: axe-core in a Playwright page, and moving through a page with the
keyboard only (docs/accessibility.md).

axe-core is vendored (tests/browser/vendor/axe-core/, `make vendor-axe`): nothing is downloaded when the
tests run.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "browser" / "vendor" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  return {tag: e.tagName.toLowerCase(), role: e.getAttribute('role'), label: e.getAttribute('aria-label'),
          text: (e.innerText || e.value || '').trim(), id: e.id};
}"""


def axe_violations(page) -> list:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now, each as "rule: targets (help)".

    Evaluated through the DevTools protocol, so the page's Content-Security-Policy (no inline scripts)
    stays as the site sends it."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return results.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')
                                               + ' (' + v.help + ')');
        }""",
        WCAG_TAGS,
    )
    return violations


def focused(page) -> dict:
    """The element that has the keyboard focus: tag, role, aria-label, text; None for the page itself."""
    return page.evaluate(_FOCUSED)


def focus_lands(page, matches, timeout_ms: int = 5000) -> dict:
    """The focused element once it matches: a page's `autofocus` is applied by the browser after the
    page shows, not at once. Fails if it has not matched within `timeout_ms`."""
    for _ in range(timeout_ms // 100):
        element = focused(page)
        if element and matches(element):
            return element
        page.wait_for_timeout(100)
    raise AssertionError(f"the focus did not land within {timeout_ms} ms; it is on {focused(page)}")


def tab_to(page, matches, limit: int = 150, backwards: bool = False) -> dict:
    """Presses Tab (Shift+Tab if backwards) until the focused element matches; fails after `limit` presses."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        element = focused(page)
        if element and matches(element):
            return element
    raise AssertionError(f"not reached with {key} in {limit} presses; focus on {focused(page)}")


def button_named(name: str):
    """A matcher for tab_to: a button (native or role=button) whose label is `name`."""
    def matches(element: dict) -> bool:
        is_button = element["tag"] == "button" or element["role"] == "button"
        return is_button and (element["label"] or element["text"]) == name
    return matches
