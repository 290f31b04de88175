"""Real receivers for the clinic's alerts: an SMTP server and an HTTP webhook receiver, each in a thread.

The SMTP server speaks enough of RFC 5321 for smtplib (EHLO, STARTTLS when given a certificate, AUTH
PLAIN, MAIL, RCPT, DATA) and keeps every message with whether it came over TLS; `stop()` takes it
away and `start()` brings it back on the same port. The webhook receiver keeps every POST with
whether its X-Clinic-Signature was right.
"""

import base64
import email
import email.policy
import hashlib
import hmac
import json
import socketserver
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import List, Optional, Tuple, TypeVar

from tests.support.ports import free_port

T = TypeVar("T")


def wait_until_count(received: List[T], count: int, timeout: float) -> List[T]:
    """`received` once it holds `count` items, or as it is after `timeout` seconds: the senders run in the
    servers' own background threads, so what the test asserts may still be on its way."""
    deadline = time.monotonic() + timeout
    while len(received) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return received


@dataclass
class Mail:
    sender: str
    recipients: List[str]
    raw: bytes
    tls: bool

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        return self.message.get_content()


class SmtpServer:
    def __init__(self, username: Optional[str] = None, password: Optional[str] = None,
                 certificate: Optional[Tuple[Path, Path]] = None):
        self.port = free_port()
        self.credentials = (username, password) if username else None
        self.tls_context = None
        if certificate:
            self.tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls_context.load_cert_chain(*certificate)
        self.mails: List[Mail] = []
        self.logins: List[str] = []
        self._server: Optional[socketserver.ThreadingTCPServer] = None

    @property
    def url(self) -> str:
        user = f"{self.credentials[0]}:{self.credentials[1]}@" if self.credentials else ""
        return f"smtp://{user}127.0.0.1:{self.port}"

    def start(self) -> "SmtpServer":
        owner = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode("ascii") + b"\r\n")

            def handle(self) -> None:
                sender, recipients, authenticated, tls = "", [], owner.credentials is None, False
                self.reply("220 test-smtp ready")
                while True:
                    raw = self.rfile.readline()
                    if not raw:
                        return
                    command = raw.decode("utf-8", "replace").rstrip("\r\n")
                    verb = command.split(" ", 1)[0].upper()
                    if verb == "EHLO":
                        self.reply("250-test-smtp")
                        if owner.tls_context and not tls:
                            self.reply("250-STARTTLS")
                        self.reply("250-AUTH PLAIN" if owner.credentials else "250-8BITMIME")
                        self.reply("250 SMTPUTF8")
                    elif verb == "STARTTLS" and owner.tls_context and not tls:
                        self.reply("220 go ahead")
                        self.connection = owner.tls_context.wrap_socket(self.connection, server_side=True)
                        self.rfile = self.connection.makefile("rb")
                        self.wfile = self.connection.makefile("wb", buffering=0)
                        tls = True
                    elif verb == "HELO" or verb in ("NOOP", "RSET"):
                        self.reply("250 OK")
                    elif verb == "AUTH":
                        _, user, password = base64.b64decode(command.split()[2]).split(b"\x00")
                        authenticated = (user.decode(), password.decode()) == owner.credentials
                        owner.logins.append(user.decode())
                        self.reply("235 OK" if authenticated else "535 bad credentials")
                    elif not authenticated and verb in ("MAIL", "RCPT", "DATA"):
                        self.reply("530 authentication required")
                    elif verb == "MAIL":
                        sender, recipients = command[10:].split(">")[0].strip("<"), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(command[8:].split(">")[0].strip("<"))
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 go on")
                        lines = []
                        for line in self.rfile:
                            if line == b".\r\n":
                                break
                            lines.append(line[1:] if line.startswith(b"..") else line)
                        owner.mails.append(Mail(sender, recipients, b"".join(lines), tls))
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("502 not implemented")

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait_for(self, count: int, timeout: float = 30) -> List[Mail]:
        return wait_until_count(self.mails, count, timeout)


@dataclass
class Post:
    body: bytes
    signature_ok: bool

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class WebhookReceiver:
    def __init__(self, secret: str, delay_seconds: float = 0.0):
        self.secret = secret
        self.delay_seconds = delay_seconds
        self.status = 200
        self.posts: List[Post] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                expected = hmac.new(owner.secret.encode(), body, hashlib.sha256).hexdigest()
                signed = hmac.compare_digest(self.headers.get("X-Clinic-Signature", ""), expected)
                time.sleep(owner.delay_seconds)
                if owner.status == 200:
                    owner.posts.append(Post(body, signed))
                self.send_response(owner.status if signed else 401)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/clinic"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 30) -> List[Post]:
        return wait_until_count(self.posts, count, timeout)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
