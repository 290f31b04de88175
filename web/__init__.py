"""The website: a demo clinic page with the chat widget; the staff console (staff/) is mounted on it under /staff."""
