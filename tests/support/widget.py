"""The website's chat widget (rasa-webchat) in a Playwright page."""

MESSAGE_BOX = "Your message to the clinic's assistant"


def ask(page, text):
    box = page.get_by_label(MESSAGE_BOX)
    box.fill(text)
    box.press("Enter")


def bot_says(page, text, timeout=60000):
    page.locator(".rw-response", has_text=text).first.wait_for(timeout=timeout)
