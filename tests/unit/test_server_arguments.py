"""The safe defaults clinic.server adds to Rasa's command line (the real servers: tests/security)."""

import json
import os
import subprocess
import sys

from clinic.server import own_url, secure_arguments
from clinic.settings import PROJECT_ROOT


def test_interface_and_api_token_are_added_unless_given(monkeypatch):
    monkeypatch.setenv("RASA_API_TOKEN", "t" * 32)
    monkeypatch.setenv("ACTION_SERVER_TOKEN", "a" * 32)
    monkeypatch.delenv("BIND_HOST", raising=False)
    assert secure_arguments(["run", "--enable-api"]) == ["run", "--enable-api", "--interface", "127.0.0.1",
                                                         "--auth-token", "t" * 32]
    assert secure_arguments(["run", "--enable-api", "-i", "10.0.0.5", "--auth-token=x"]) == [
        "run", "--enable-api", "-i", "10.0.0.5", "--auth-token=x"]
    monkeypatch.setenv("BIND_HOST", "0.0.0.0")
    assert secure_arguments(["shell", "-m", "models"]) == ["shell", "-m", "models", "--interface", "0.0.0.0"]
    assert secure_arguments(["train"]) == ["train"]


def test_the_action_server_listens_on_bind_host_and_gets_the_shared_secret(monkeypatch):
    monkeypatch.setenv("ACTION_SERVER_TOKEN", "a" * 32)
    monkeypatch.delenv("BIND_HOST", raising=False)
    monkeypatch.delenv("SANIC_HOST", raising=False)
    assert secure_arguments(["run", "actions", "--port", "5055"]) == ["run", "actions", "--port", "5055"]
    assert os.environ["SANIC_HOST"] == "127.0.0.1" and os.environ["ACTION_SERVER_TOKEN"] == "a" * 32


def test_the_rasa_server_reaches_itself_where_it_listens():
    """Where the idle-claim thread (clinic.takeover.idle) sends its note: this server's own address."""
    assert own_url(["run", "--port", "5123", "--interface", "127.0.0.1"]) == "http://127.0.0.1:5123"
    assert own_url(["run", "-i", "0.0.0.0", "-p", "5010"]) == "http://127.0.0.1:5010"
    assert own_url(["run", "--interface=::1"]) == "http://[::1]:5005"


_BLAS_THREADS = """
from clinic import server
server.limit_blas_threads()
import json, numpy, scipy.linalg, threadpoolctl
print(json.dumps([pool["num_threads"] for pool in threadpoolctl.threadpool_info() if pool["internal_api"] == "openblas"]))
"""


def _openblas_threads(**env):
    clean = {name: value for name, value in os.environ.items() if name != "OPENBLAS_NUM_THREADS"}
    done = subprocess.run([sys.executable, "-c", _BLAS_THREADS], cwd=PROJECT_ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def test_the_servers_run_openblas_on_the_calling_thread_unless_told_otherwise():
    """NumPy's and SciPy's OpenBLAS each had a worker thread per core spinning after every product
    (docs/performance.md); the servers start with one thread unless OPENBLAS_NUM_THREADS is set."""
    threads = _openblas_threads()
    assert threads and set(threads) == {1}
    assert set(_openblas_threads(OPENBLAS_NUM_THREADS="2")) == {2}
