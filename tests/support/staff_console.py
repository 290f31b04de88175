"""The staff console as a browser uses it: log in through the form, with the page's CSRF token."""

import re
import uuid
from typing import Optional

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client, path="/staff/login") -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def log_in(client, username: str, password: str):
    return client.post("/staff/login", data={"username": username, "password": password,
                                             "csrf_token": csrf_token(client)})


class Console:
    """The website (its real app factory) on a test database, with accounts made as `make staff-user`
    makes them, and browsers (Flask test clients) logged in through the login form."""

    PASSWORD = "Correct-horse-battery-7"

    def __init__(self, database_url: str):
        from web.app import create_app

        self.url = database_url
        self.app = create_app(database_url=database_url)
        self.app.config["SECRET_KEY"] = "test-secret-" + uuid.uuid4().hex

    def account(self, username: str, role: str = "staff") -> str:
        from clinic.db import session_scope
        from staff import accounts

        with session_scope(self.url) as session:
            accounts.set_password(session, username, self.PASSWORD, role)
        return username

    def browser(self, username: Optional[str] = None):
        """A test client, logged in as `username` when given."""
        client = self.app.test_client()
        if username:
            response = log_in(client, username, self.PASSWORD)
            assert response.status_code == 302, response.get_data(as_text=True)
        return client
