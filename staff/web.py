"""Wiring the staff console into a Flask app: secret key, session cookies, CSRF, Flask-Login."""

import os
from pathlib import Path
from typing import Optional

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from clinic import settings
from clinic.local_secrets import file_secret
from staff.auth import login_manager, session_limit

MIN_SECRET_LENGTH = 32
DEV_SECRET_FILE = settings.PROJECT_ROOT / "var" / "staff-secret-key"

csrf = CSRFProtect()


def secret_key(dev_file: Path = DEV_SECRET_FILE) -> str:
    """STAFF_SECRET_KEY (required length 32+), else a random key kept in var/ for local development.

    The file is shared by the web server's workers (and survives restarts) and is never committed
    (var/ is ignored). Production sets STAFF_SECRET_KEY.
    """
    configured = os.environ.get("STAFF_SECRET_KEY", "")
    if configured:
        if len(configured) < MIN_SECRET_LENGTH:
            raise RuntimeError(
                f"STAFF_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters "
                "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        return configured
    return file_secret(dev_file)


class TrustedProxyFix:
    """X-Forwarded-For, -Proto and -Host believed only from the proxies named in FORWARDED_ALLOW_IPS
    (the production profile's nginx): from anyone else they are ignored, so nobody can forge the
    address that the login throttle counts and the audit trail records."""

    def __init__(self, app, trusted):
        self.app = app
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1)
        self.trusted = set(trusted)

    def __call__(self, environ, start_response):
        if environ.get("REMOTE_ADDR") in self.trusted:
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


def cookie_secure() -> bool:
    return os.environ.get("STAFF_COOKIE_SECURE", "").lower() in ("1", "true", "yes")


def init_staff(app: Flask, database_url: Optional[str] = None) -> None:
    """Mounts the staff console at /staff."""
    from staff import dashboard, review, takeover  # noqa: F401  (their routes are on the same blueprint)
    from staff.views import blueprint

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key()
    if database_url:
        app.config["DATABASE_URL"] = database_url
    app.config.update(
        SESSION_COOKIE_NAME="clinic_staff_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=cookie_secure(),
        PERMANENT_SESSION_LIFETIME=session_limit(),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=cookie_secure(),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    if settings.forwarded_allow_ips():
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, settings.forwarded_allow_ips())  # type: ignore[method-assign]
    csrf.init_app(app)
    login_manager.init_app(app)
    app.register_blueprint(blueprint, url_prefix="/staff")
