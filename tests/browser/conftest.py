"""The servers every browser test of the website uses: `make run`, as the README starts it."""

import pytest

from tests.support.make_run import MakeRun


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The website, the Rasa server and the action server as the README starts them: `make run`."""
    with MakeRun(tmp_path_factory.mktemp("site")) as run:
        yield {"origin": run.origin, "rasa_url": run.rasa_url, "database": run.database, "make": run.make}
