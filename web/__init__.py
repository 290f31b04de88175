"""The website: a demo clinic page with the chat widget (and, later, the staff console)."""
