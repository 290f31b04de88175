"""Throwaway PostgreSQL and Redis servers, a throwaway TLS certificate, and the production profile
running on free ports, for the tests that start the profile and for the load test.

The fault tests and the load test stop and restart PostgreSQL and Redis; they do it to servers of their
own (a fresh `initdb` cluster in a temporary folder, a `redis-server` on a free port), never to the
machine's shared ones. PostgreSQL refuses to run as root: as root, the cluster is run as `postgres`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from production.profile import ROOT, Profile, find_nginx
from tests.support.ports import free_port
from tests.support.processes import Started, answers, stop_group, wait_for_server, wait_until


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own in a temporary folder, on a free port, with trust auth."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
        self.bin = Path(found[-1]).parent
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="clinic-pg-"))
        self.data = self.folder / "data"
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            account = pwd.getpwnam(self.user)
            os.chown(self.folder, account.pw_uid, account.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/clinic"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, cwd=self.folder)

    def init(self) -> "ThrowawayPostgres":
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "clinic")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "postgres.log"),
                  "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def restart(self) -> None:
        # Not `pg_ctl restart`: without -l the new server would keep our stdout pipe open.
        self.stop()
        self.start()

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class ThrowawayRedis:
    """A redis-server of its own on a free port, keeping nothing on disk."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "ThrowawayRedis":
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", tempfile.gettempdir()],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        import redis

        wait_until(lambda: _pings(redis.StrictRedis.from_url(self.url)), 20, "redis-server")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def _pings(client) -> bool:
    import redis

    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def self_signed_certificate(folder: Path) -> Tuple[Path, Path]:
    """A throwaway certificate for localhost and 127.0.0.1 (openssl), and its key: (cert, key)."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "tls-cert.pem", folder / "tls-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def random_secrets() -> Dict[str, str]:
    """Every secret the profile requires (production.profile.REQUIRED_SECRETS), fresh and random."""
    from production.profile import REQUIRED_SECRETS

    return {name: secrets.token_hex(32) for name in REQUIRED_SECRETS}


class RunningProfile(Started):
    """The production profile (supervisord, nginx with TLS, replicas) on free ports, for tests and load
    tests, with fresh secrets (`secrets`) and a throwaway certificate (`verify`: pass it to requests).
    `web`: also the website and staff console behind nginx (`web_url`). `with RunningProfile(...) as
    running:` starts it and stops it after."""

    def __init__(self, state_dir: Path, database_url: str, redis_url: str, model: str,
                 replicas: int = 2, action_replicas: int = 2, env: Optional[Dict[str, str]] = None,
                 web: bool = False):
        self.secrets = {**random_secrets(), **{k: v for k, v in (env or {}).items() if k in random_secrets()}}
        self.api_token = self.secrets["RASA_API_TOKEN"]
        cert, key = self_signed_certificate(state_dir / "tls")
        self.verify = str(cert)
        self.profile = Profile(
            state_dir=state_dir,
            database_url=database_url,
            redis_url=redis_url,
            public_port=free_port(),
            actions_port=free_port(),
            rasa_ports=[free_port() for _ in range(replicas)],
            action_ports=[free_port() for _ in range(action_replicas)],
            model=model,
            web_port=free_port() if web else None,
            web_backend_port=free_port(),
            api_token=self.api_token,
            tls_cert=cert,
            tls_key=key,
            extra_env={"HANDOFF_SPOOL_DIR": str(state_dir / "spool"), "HANDOFF_SPOOL_RETRY_SECONDS": "1",
                       **(env or {}), **self.secrets},
        )
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.profile.public_port}"

    @property
    def web_url(self) -> str:
        return f"https://127.0.0.1:{self.profile.web_port}"

    def start(self, timeout: float = 600) -> "RunningProfile":
        env = {**os.environ, **self.profile.environment()}
        subprocess.run([str(ROOT / ".venv" / "bin" / "alembic"), "upgrade", "head"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        self.profile.render()
        self.process = subprocess.Popen(
            self.profile.supervisord_command(), cwd=ROOT, env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for port in self.profile.rasa_ports:
            self.wait_for_replica(port, timeout)
        wait_until(lambda: self._ok(f"{self.url}/nginx-health"), 30, "nginx")
        if self.profile.web_port:
            wait_until(lambda: self._ok(f"{self.web_url}/healthz"), 120, "the website")
        return self

    def _ok(self, url: str) -> bool:
        return answers(url, self.verify)

    def wait_for_replica(self, port: int, timeout: float = 600) -> None:
        wait_for_server(f"http://127.0.0.1:{port}/version", self.process, timeout, f"the Rasa replica on :{port}",
                        lambda: self.log("supervisord"), interval=1)

    def replica_of_port(self, port: int) -> str:
        return self.profile.rasa_programs()[self.profile.rasa_ports.index(port)]

    def ctl(self, *args: str) -> str:
        result = self.profile.ctl(*args)
        return result.stdout + result.stderr

    def pid(self, program: str) -> int:
        return int(self.ctl("pid", program).strip())

    def kill(self, program: str) -> None:
        """Kills a program outright (SIGKILL), as a crash would; supervisord starts it again."""
        os.kill(self.pid(program), signal.SIGKILL)

    def log(self, name: str) -> str:
        path = self.profile.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def access_log(self) -> List[List[str]]:
        return [line.split() for line in self.log("nginx-access").splitlines() if line.strip()]

    def stop(self) -> None:
        stop_group(self.process, timeout=60)


@contextlib.contextmanager
def throwaway_services():
    """(postgres, redis_server) of the test's own: skipped where nginx or redis-server is missing,
    required in CI."""
    missing = [name for name, found in (("nginx", find_nginx()), ("redis-server", shutil.which("redis-server")))
               if not found]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{', '.join(missing)} must be installed in CI (.ci/run installs nginx)")
        pytest.skip(f"{', '.join(missing)} not installed")
    postgres = ThrowawayPostgres().init()
    redis_server = ThrowawayRedis().start()
    try:
        yield postgres, redis_server
    finally:
        redis_server.stop()
        postgres.destroy()
