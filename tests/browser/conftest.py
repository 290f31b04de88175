"""The servers every browser test of the website uses: `make run`, as the README starts it."""

import pytest


@pytest.fixture(scope="session")
def site(readme_run):
    """The website, the Rasa server and the action server as the README starts them: `make run`, once
    per run (tests/conftest.py readme_run)."""
    return {"origin": readme_run.origin, "rasa_url": readme_run.rasa_url, "database": readme_run.database,
            "make": readme_run.make}
