"""The website's chat widget (rasa-webchat) in a Playwright page."""

MESSAGE_BOX = "Your message to the clinic's assistant"


def open_chat(browser, origin, **context_options):
    """The clinic's page in a new browser context, once the widget has greeted: (context, page)."""
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **context_options})
    page = context.new_page()
    page.goto(origin + "/")
    page.get_by_text("automated assistant for", exact=False).first.wait_for(timeout=60000)
    return context, page


def ask(page, text):
    box = page.get_by_label(MESSAGE_BOX)
    box.fill(text)
    box.press("Enter")


def bot_says(page, text, timeout=60000):
    page.locator(".rw-response", has_text=text).first.wait_for(timeout=timeout)
