"""The production profile: PostgreSQL, Redis, several Rasa replicas and action servers behind nginx.

`make run-prod` runs `python -m production.profile run`, which
1. reads the layout from the environment (see `Profile.from_env` and docs/production.md),
2. writes nginx.conf and supervisord.conf into PROD_STATE_DIR (default var/prod/),
3. starts supervisord in the foreground: it runs nginx, every Rasa replica, every action server and
   the website, restarts any that dies, and stops them all on Ctrl-C.

The tests (tests/production/) and the load test (loadtest/) start the same thing with other ports.
Other commands: `render` (write the files only), `ctl ARGS` (supervisorctl on the running profile),
`create-database` (create the database named in DATABASE_URL if it is missing), `check` (the
secrets and the TLS certificate that `run` requires, see `missing_settings`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from clinic.settings import DEFAULT_SMS_SENDER_KEY, QUIET_ENV

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/clinic"
NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")
# What `make run-prod` refuses to start without: each must be set, long enough, and not a default of
# this repository.
REQUIRED_SECRETS = ("RASA_API_TOKEN", "ACTION_SERVER_TOKEN", "SMS_SENDER_KEY", "STAFF_SECRET_KEY", "TWILIO_AUTH_TOKEN")
MIN_SECRET_LENGTH = 16
REQUIRED_FILES = ("TLS_CERT_FILE", "TLS_KEY_FILE")


def missing_settings(env: Dict[str, str]) -> List[str]:
    """Why the production profile must not start with this environment: one line per variable."""
    problems = []
    for name in REQUIRED_SECRETS:
        value = env.get(name, "").strip()
        if not value:
            problems.append(f"{name} is not set")
        elif value == DEFAULT_SMS_SENDER_KEY or len(value) < MIN_SECRET_LENGTH:
            problems.append(f"{name} is a known default or shorter than {MIN_SECRET_LENGTH} characters")
    for name in REQUIRED_FILES:
        value = env.get(name, "").strip()
        if not value:
            problems.append(f"{name} is not set (nginx serves HTTPS only)")
        elif not Path(value).is_file():
            problems.append(f"{name}: no file at {value}")
    return problems


def _int(env: Dict[str, str], name: str, default: int) -> int:
    return int(env.get(name) or default)


def find_nginx() -> Optional[str]:
    for candidate in NGINX_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


@dataclass
class Profile:
    state_dir: Path
    database_url: str
    redis_url: str
    public_port: int = 5005
    actions_port: int = 5055
    listen_host: str = "127.0.0.1"
    rasa_ports: List[int] = field(default_factory=lambda: [5010, 5011])
    action_ports: List[int] = field(default_factory=lambda: [5060, 5061])
    backend_host: str = "127.0.0.1"
    model: str = "models"
    web_port: Optional[int] = 8000
    web_backend_port: int = 8001
    allowed_origins: List[str] = field(default_factory=lambda: ["http://localhost:8000", "http://127.0.0.1:8000"])
    lock_lifetime: int = 20
    api_token: Optional[str] = None
    # TLS: nginx serves HTTPS (with HSTS) on every public port when both are set; run-prod requires them.
    tls_cert: Optional[Path] = None
    tls_key: Optional[Path] = None
    # Proxies or load balancers in front of nginx whose X-Forwarded-For nginx believes (realip module).
    real_ip_from: List[str] = field(default_factory=list)
    extra_env: Dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Optional[Dict[str, str]] = None) -> "Profile":
        env = dict(os.environ if env is None else env)
        replicas = _int(env, "RASA_REPLICAS", 2)
        action_replicas = _int(env, "ACTIONS_REPLICAS", 2)
        rasa_base = _int(env, "RASA_REPLICA_BASE_PORT", 5010)
        actions_base = _int(env, "ACTIONS_REPLICA_BASE_PORT", 5060)
        web = env.get("PROD_WEB", "1").lower() not in ("0", "false", "no")
        return cls(
            state_dir=Path(env.get("PROD_STATE_DIR") or ROOT / "var" / "prod"),
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            redis_url=env.get("REDIS_URL") or "redis://127.0.0.1:6379/1",
            public_port=_int(env, "RASA_PORT", 5005),
            actions_port=_int(env, "ACTIONS_PORT", 5055),
            listen_host=env.get("PROD_LISTEN_HOST") or "127.0.0.1",
            rasa_ports=[rasa_base + i for i in range(replicas)],
            action_ports=[actions_base + i for i in range(action_replicas)],
            model=env.get("CLINIC_MODEL") or "models",
            web_port=_int(env, "WEB_PORT", 8000) if web else None,
            web_backend_port=_int(env, "WEB_BACKEND_PORT", 8001),
            allowed_origins=(env.get("ALLOWED_ORIGINS") or " ".join(
                f"{'https' if env.get('TLS_CERT_FILE') else 'http'}://{host}:{_int(env, 'WEB_PORT', 8000)}"
                for host in ("localhost", "127.0.0.1"))).split(),
            lock_lifetime=_int(env, "TICKET_LOCK_LIFETIME", 20),
            api_token=env.get("RASA_API_TOKEN") or None,
            tls_cert=Path(env["TLS_CERT_FILE"]) if env.get("TLS_CERT_FILE") else None,
            tls_key=Path(env["TLS_KEY_FILE"]) if env.get("TLS_KEY_FILE") else None,
            real_ip_from=(env.get("REAL_IP_FROM") or "").replace(",", " ").split(),
        )

    # --- derived ------------------------------------------------------------------------------------
    @property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def nginx_conf(self) -> Path:
        return self.state_dir / "nginx.conf"

    @property
    def supervisord_conf(self) -> Path:
        return self.state_dir / "supervisord.conf"

    @property
    def tls(self) -> bool:
        return bool(self.tls_cert and self.tls_key)

    @property
    def public_url(self) -> str:
        host = "localhost" if self.listen_host in ("127.0.0.1", "0.0.0.0") else self.listen_host
        return f"{'https' if self.tls else 'http'}://{host}:{self.public_port}"

    @property
    def action_endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}/webhook"

    def rasa_programs(self) -> List[str]:
        return [f"rasa-{i + 1}" for i in range(len(self.rasa_ports))]

    def action_programs(self) -> List[str]:
        return [f"actions-{i + 1}" for i in range(len(self.action_ports))]

    def environment(self) -> Dict[str, str]:
        """What every process of the profile is started with (on top of the caller's environment)."""
        env = {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "ACTION_ENDPOINT_URL": self.action_endpoint_url,
            "TICKET_LOCK_LIFETIME": str(self.lock_lifetime),
            "SANIC_WORKERS": "1",
            "TRUST_FORWARDED_HEADERS": "true",
            # The Rasa replicas and action servers listen where only nginx reaches them; the website
            # believes X-Forwarded-For from nginx only; the staff cookie is sent over HTTPS only.
            "BIND_HOST": self.backend_host,
            "FORWARDED_ALLOW_IPS": self.backend_host,
            **({"STAFF_COOKIE_SECURE": "true"} if self.tls else {}),
            **({"RASA_API_TOKEN": self.api_token} if self.api_token else {}),
            "RASA_PUBLIC_URL": self.public_url,
            "ALLOWED_ORIGINS": " ".join(self.allowed_origins),
            **QUIET_ENV,
            "PYTHONPATH": str(ROOT),
        }
        env.update(self.extra_env)
        return env

    # --- rendering ----------------------------------------------------------------------------------
    @staticmethod
    def unavailable_text() -> str:
        from clinic import settings

        clinic = settings.clinic_details()
        return (
            f"Sorry, I cannot do that right now: part of our system is unavailable. Please call us at "
            f"{clinic['clinic_phone']} ({clinic['clinic_hours']}) or try again in a few minutes. "
            f"In a crisis, call or text {clinic['crisis_line']}."
        )

    @staticmethod
    def _quotable(text: str) -> str:
        """Text that fits in an nginx single-quoted string as it is."""
        assert "'" not in text and "\\" not in text, "the text must fit in an nginx quoted string"
        return text

    def unavailable_rest_json(self) -> str:
        return self._quotable(json.dumps([{"recipient_id": "", "text": self.unavailable_text()}]))

    def unavailable_sms_xml(self) -> str:
        from clinic.channels.sms import twiml
        from clinic.sms.format import split

        return self._quotable(twiml(split(self.unavailable_text())))

    def action_unavailable_json(self) -> str:
        text = self.unavailable_text()
        # The booking form stops and the bot then listens, so no next action (the booking's submission
        # once the form ends) fails and says the text again. When the failed call was the form checking
        # an answer, Rasa keeps these events (and says the text) only if they set some slot besides
        # requested_slot: else it rejects the whole result, as if nothing was extracted, and the person
        # hears nothing. booking_confirmed is empty outside the form's last step: clearing it changes
        # nothing else.
        body = {
            "events": [
                {"event": "slot", "name": "booking_confirmed", "value": None},
                {"event": "slot", "name": "requested_slot", "value": None},
                {"event": "active_loop", "name": None},
                {"event": "followup", "name": "action_listen"},
            ],
            "responses": [{"text": text}],
        }
        return self._quotable(json.dumps(body, ensure_ascii=True))

    def render_nginx(self) -> str:
        def servers(ports: List[int], failures: str) -> str:
            return "\n".join(f"        server {self.backend_host}:{port} {failures};" for port in ports)

        if self.tls:
            listen = "ssl"
            tls = "\n".join([
                f"    ssl_certificate {self.tls_cert};",
                f"    ssl_certificate_key {self.tls_key};",
                "    ssl_protocols TLSv1.2 TLSv1.3;",
                "    ssl_prefer_server_ciphers off;",
                "    ssl_session_cache shared:clinic_tls:10m;",
                '    add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;',
            ])
        else:
            listen, tls = "", "    # No TLS configured (tests of the routing only): make run-prod requires it."
        real_ip = "\n".join(
            [f"    set_real_ip_from {address};" for address in self.real_ip_from]
            + (["    real_ip_header X-Forwarded-For;", "    real_ip_recursive on;"] if self.real_ip_from else
               ["    # REAL_IP_FROM unset: the client address is the peer's; X-Forwarded-For is never believed."])
        )
        web = "" if not self.web_port else "\n".join([
            "    server {",
            f"        listen {self.listen_host}:{self.web_port} {listen};",
            "        client_max_body_size 1m;",
            "        proxy_http_version 1.1;",
            "        proxy_set_header Host $http_host;",
            "        proxy_set_header X-Forwarded-For $remote_addr;",
            "        proxy_set_header X-Forwarded-Proto $scheme;",
            "        proxy_set_header X-Forwarded-Host $http_host;",
            "        location / {",
            f"            proxy_pass http://{self.backend_host}:{self.web_backend_port};",
            "        }",
            "    }",
        ])
        values = {
            "listen_options": listen,
            "tls": tls,
            "real_ip": real_ip,
            "web_server": web,
            "backend_host": self.backend_host,
            "state_dir": str(self.state_dir),
            "log_dir": str(self.log_dir),
            "listen_host": self.listen_host,
            "public_port": str(self.public_port),
            "actions_port": str(self.actions_port),
            # A replica that failed is passed over for 5 s (its conversations move along the ring). An action
            # server is never passed over: each nginx worker keeps its own count, and once the 5 s are up it
            # lets a single call at a time through to a server that failed, so calls made meanwhile found no
            # server at all, minutes after both were back. A refused local connection costs nothing to try.
            "rasa_servers": servers(self.rasa_ports, "max_fails=1 fail_timeout=5s"),
            "action_servers": servers(self.action_ports, "max_fails=0"),
            "action_unavailable_json": self.action_unavailable_json(),
            "unavailable_rest_json": self.unavailable_rest_json(),
            "unavailable_sms_xml": self.unavailable_sms_xml(),
        }
        text = TEMPLATE.read_text(encoding="utf-8")
        for name, value in values.items():
            text = text.replace(f"@{name}@", value)
        return text

    def _program(self, name: str, command: List[str], stop_seconds: int = 20) -> str:
        return "\n".join([
            f"[program:{name}]",
            "command=" + " ".join(command),
            f"directory={ROOT}",
            "autostart=true",
            "autorestart=true",
            "startsecs=3",
            "startretries=100",
            "stopasgroup=true",
            "killasgroup=true",
            f"stopwaitsecs={stop_seconds}",
            "redirect_stderr=true",
            f"stdout_logfile={self.log_dir / name}.log",
            "stdout_logfile_maxbytes=50MB",
            "stdout_logfile_backups=2",
            "",
        ])

    def render_supervisord(self, nginx: str) -> str:
        sock = self.state_dir / "supervisor.sock"
        parts = [
            "; Generated by `python -m production.profile`; edit production/profile.py, not this copy.",
            "[supervisord]",
            "nodaemon=true",
            # As root it says so at start-up unless told that root is meant (services here bind only
            # to unprivileged ports; run it as an ordinary user where you can).
            *(["user=root"] if os.geteuid() == 0 else []),
            f"logfile={self.log_dir / 'supervisord.log'}",
            f"pidfile={self.state_dir / 'supervisord.pid'}",
            f"childlogdir={self.log_dir}",
            "",
            "[unix_http_server]",
            f"file={sock}",
            "chmod=0700",  # only the owner may control the processes
            "",
            "[rpcinterface:supervisor]",
            "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
            "",
            "[supervisorctl]",
            f"serverurl=unix://{sock}",
            "",
        ]
        # `python -m clinic.server` is `rasa` with the project's fixes applied (docs/performance.md) and
        # its safe defaults: the API token from RASA_API_TOKEN (never on a command line), the action
        # servers refusing calls without ACTION_SERVER_TOKEN, both listening on BIND_HOST.
        for name, port in zip(self.action_programs(), self.action_ports):
            parts.append(self._program(name, [str(BIN / "python"), "-m", "clinic.server", "run", "actions",
                                              "--port", str(port)]))
        for name, port in zip(self.rasa_programs(), self.rasa_ports):
            parts.append(self._program(name, [
                str(BIN / "python"), "-m", "clinic.server", "run", "--enable-api", "--credentials", "credentials.yml",
                "--endpoints", "endpoints.prod.yml", "-m", self.model, "-i", self.backend_host,
                "--port", str(port),
            ]))
        if self.web_port:
            parts.append(self._program("web", [
                str(BIN / "gunicorn"), "--bind", f"{self.backend_host}:{self.web_backend_port}", "--workers", "2",
                "--access-logfile", "-", "'web.app:create_app()'",
            ]))
        parts.append(self._program("nginx", [nginx, "-p", str(self.state_dir), "-c", str(self.nginx_conf)], 10))
        return "\n".join(parts)

    def render(self) -> None:
        nginx = find_nginx()
        if not nginx:
            raise SystemExit(
                "nginx is not installed. On Debian/Ubuntu: sudo apt-get install nginx-light "
                "(the production profile runs its own nginx from var/prod/, not the system service)."
            )
        self.log_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / "nginx-tmp").mkdir(exist_ok=True)
        self.nginx_conf.write_text(self.render_nginx(), encoding="utf-8")
        self.supervisord_conf.write_text(self.render_supervisord(nginx), encoding="utf-8")
        check = subprocess.run(
            [nginx, "-t", "-q", "-p", str(self.state_dir), "-c", str(self.nginx_conf)],
            capture_output=True, text=True,
        )
        if check.returncode != 0:
            raise SystemExit(f"nginx rejected {self.nginx_conf}:\n{check.stderr}")

    # --- running ------------------------------------------------------------------------------------
    def supervisord_command(self) -> List[str]:
        return [str(BIN / "supervisord"), "-c", str(self.supervisord_conf)]

    def ctl(self, *args: str, check: bool = False) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / "supervisorctl"), "-c", str(self.supervisord_conf), *args],
            capture_output=True, text=True, check=check,
        )


def create_database(url: str) -> None:
    """Creates the PostgreSQL database named in `url` when it does not exist yet."""
    import sqlalchemy as sa

    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
            ).scalar()
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
                print(f"==> Created database {parsed.database}")
    finally:
        admin.dispose()


def check_services(profile: Profile) -> None:
    """Fails early, with a message a person can act on, when PostgreSQL or Redis is missing."""
    import redis
    import sqlalchemy as sa

    if not profile.database_url.startswith("postgresql"):
        raise SystemExit(f"The production profile needs PostgreSQL: DATABASE_URL={profile.database_url!r}")
    engine = sa.create_engine(profile.database_url)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as error:
        raise SystemExit(f"PostgreSQL is not reachable at DATABASE_URL: {error}")
    finally:
        engine.dispose()
    try:
        redis.StrictRedis.from_url(profile.redis_url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        raise SystemExit(f"Redis is not reachable at REDIS_URL={profile.redis_url}: {error}")


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["run", "render", "ctl", "create-database", "check"])
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    if options.command in ("run", "check"):
        problems = missing_settings(dict(os.environ))
        if problems:
            raise SystemExit("The production profile does not start without its secrets and TLS certificate:\n"
                             + "\n".join(f"  - {problem}" for problem in problems)
                             + "\nSee docs/production.md (make one with: python -c 'import secrets; "
                             "print(secrets.token_hex(32))').")
        if options.command == "check":
            return
    profile = Profile.from_env()
    if options.command == "create-database":
        create_database(profile.database_url)
        return
    if options.command == "ctl":
        result = profile.ctl(*options.args)
        sys.stdout.write(result.stdout + result.stderr)
        sys.exit(result.returncode)
    profile.render()
    if options.command == "render":
        print(f"Wrote {profile.nginx_conf} and {profile.supervisord_conf}")
        return
    check_services(profile)
    os.environ.update(profile.environment())
    print(f"==> Production profile: nginx on {profile.public_url} -> Rasa replicas on ports "
          f"{', '.join(map(str, profile.rasa_ports))}; action servers on "
          f"{', '.join(map(str, profile.action_ports))} behind :{profile.actions_port}"
          + (f"; website on https://localhost:{profile.web_port}/" if profile.web_port else ""))
    print(f"    Logs: {profile.log_dir}/ ; status: make prod-status ; Ctrl-C stops everything.")
    os.execv(profile.supervisord_command()[0], profile.supervisord_command())


if __name__ == "__main__":
    main()
