"""Which web pages may call the Rasa server from a browser: one layer per path, ALLOWED_ORIGINS only.

Browsers refuse a response whose `Access-Control-Allow-Origin` appears twice, and `rasa run --cors`
makes Sanic add one to every path, `/socket.io/` included, where python-socketio already adds its
own (clinic.channels.socketio). So:
- `/socket.io/`: python-socketio alone checks the origin and answers with the header;
- `/webhooks/rest/webhook` and the widget's feedback (`/webhooks/feedback/answer`, clinic.feedback):
  sanic-cors (the extension Rasa itself uses) adds the header and answers the preflight, for
  ALLOWED_ORIGINS only;
- everything else (the HTTP API, the SMS webhook): no cross-origin access at all.
`apply()` puts this in place of Rasa's `configure_cors`; `--cors` is refused, so there is one setting.
"""

from typing import List, Text, Union

from rasa import server as rasa_server
from sanic import Sanic
from sanic_cors import CORS

from clinic import settings

REST_WEBHOOK_PATH = "/webhooks/rest/webhook"
FEEDBACK_PATH = "/webhooks/feedback/answer"


def configure_cors(app: Sanic, cors_origins: Union[Text, List[Text], None] = None) -> None:
    if cors_origins:
        raise SystemExit("--cors is not used here: set ALLOWED_ORIGINS (space-separated site origins) instead.")
    rest = {"origins": settings.allowed_origins(), "methods": ["POST", "OPTIONS"], "max_age": 600}
    CORS(app, resources={REST_WEBHOOK_PATH: rest, FEEDBACK_PATH: rest}, automatic_options=True)


def apply() -> None:
    rasa_server.configure_cors = configure_cors
