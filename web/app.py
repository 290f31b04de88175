"""The web server of `make web`: the demo clinic page embedding the chat widget, and the staff console
under /staff (the `staff` package).

The widget (rasa-webchat, vendored under static/vendor/) talks to the Rasa server's socket.io
channel at RASA_PUBLIC_URL; nothing is fetched from outside at run time.
"""

from typing import Optional

from flask import Flask, render_template, send_from_directory

from clinic import settings
from staff.web import init_staff


def create_app(database_url: Optional[str] = None) -> Flask:
    """`database_url`: the database of the staff console (default: DATABASE_URL, read per request)."""
    app = Flask(__name__)
    init_staff(app, database_url)

    @app.get("/")
    def clinic_page():
        return render_template(
            "index.html",
            clinic=settings.clinic_details(),
            rasa_url=settings.rasa_public_url(),
        )

    @app.get("/favicon.ico")
    def favicon():
        # Browsers ask for /favicon.ico whatever the page links; the icon is a small SVG.
        return send_from_directory(str(app.static_folder), "favicon.svg", mimetype="image/svg+xml")

    @app.after_request
    def content_security_policy(response):
        # Only this site and the Rasa server: the widget's own request for web fonts is blocked. The
        # fonts embedded in the widget's bundle (data: URLs) are allowed.
        rasa = settings.rasa_public_url()
        websocket = "ws" + rasa[len("http") :] if rasa.startswith("http") else rasa
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; connect-src 'self' {rasa} {websocket}; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
            "object-src 'none'; base-uri 'self'; frame-ancestors 'self'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.get("/healthz")
    def health():
        return {"status": "ok"}

    return app
