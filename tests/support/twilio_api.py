"""A local stand-in for Twilio's REST API: records every message the bot sends (TWILIO_API_BASE_URL)."""

import base64
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List
from urllib.parse import parse_qs


class TwilioApi:
    """`POST /2010-04-01/Accounts/<sid>/Messages.json` answered as Twilio does; requests without the
    account's basic-auth credentials get 401, as from Twilio."""

    def __init__(self, account_sid: str, auth_token: str):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.messages: List[Dict[str, str]] = []
        self.refused = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                expected = "Basic " + base64.b64encode(f"{api.account_sid}:{api.auth_token}".encode()).decode()
                if self.headers.get("Authorization") != expected or \
                        self.path != f"/2010-04-01/Accounts/{api.account_sid}/Messages.json":
                    api.refused += 1
                    return self._answer(401, {"code": 20003, "message": "Authenticate"})
                fields = {key: values[0] for key, values in parse_qs(body).items()}
                api.messages.append(fields)
                self._answer(201, {"sid": "SM" + uuid.uuid4().hex, "account_sid": api.account_sid,
                                   "to": fields.get("To"), "from": fields.get("From"), "body": fields.get("Body"),
                                   "status": "queued"})

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
