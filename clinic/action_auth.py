"""The action server answers only the Rasa server: every call but `/health` needs ACTION_SERVER_TOKEN.

rasa-sdk's action server has no authentication at all: anyone who reaches it could run
`action_escalate_crisis` or `action_submit_booking` with a made-up conversation and fill the urgent
queue. `apply()` (run by clinic.server before `rasa run actions`) wraps rasa-sdk's `create_app` so
that the app refuses, with 401, any request without `Authorization: Bearer <ACTION_SERVER_TOKEN>`
(compared in constant time). The Rasa server sends that header (endpoints.yml, endpoints.prod.yml);
`/health` stays open for the readiness checks and load balancers.
"""

import hmac
import logging
from typing import Any, Callable, Optional

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from clinic import local_secrets

logger = logging.getLogger(__name__)

OPEN_PATHS = ("/health",)


def authorized(header: Optional[str], token: str) -> bool:
    scheme, _, provided = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(provided.strip().encode(), token.encode())


def require_token(app: Sanic, token: str) -> None:
    @app.middleware("request")
    async def check_token(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS or authorized(request.headers.get("Authorization"), token):
            return None
        logger.warning(
            "Refused an action server call without the right ACTION_SERVER_TOKEN: %s %s", request.method, request.path
        )
        return response.json({"error": "Unauthorized: the action server answers the Rasa server only."}, status=401)


def apply() -> None:
    from rasa_sdk import endpoint

    create_app: Callable[..., Sanic] = endpoint.create_app
    token = local_secrets.action_server_token()

    def create_checked_app(*args: Any, **kwargs: Any) -> Sanic:
        app = create_app(*args, **kwargs)
        require_token(app, token)
        return app

    endpoint.create_app = create_checked_app
