"""The production profile's nginx, in front of stand-in replicas that say which one they are.

Fast (no Rasa): sticky routing by REST sender and SMS number; what happens when a
replica is down; the honest replies when no replica or action server can answer.
"""

import json
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from production.profile import Profile, find_nginx
from tests.support.ports import free_port
from tests.support.processes import stop_group, wait_until


class StandIn:
    """An HTTP server answering every request with its own port."""

    def __init__(self):
        self.port = free_port()
        port = self.port

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.dumps({"port": port}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def nginx(tmp_path):
    if not find_nginx():
        if os.environ.get("CI"):
            pytest.fail("nginx must be installed in CI (.ci/run installs it)")
        pytest.skip("nginx not installed")
    replicas = [StandIn(), StandIn()]
    profile = Profile(state_dir=tmp_path / "prod", database_url="unused", redis_url="unused",
                      public_port=free_port(), actions_port=free_port(),
                      rasa_ports=[r.port for r in replicas], action_ports=[free_port()], web_port=None)
    profile.render()
    process = subprocess.Popen([find_nginx(), "-p", str(profile.state_dir), "-c", str(profile.nginx_conf)],
                               start_new_session=True)
    url = f"http://127.0.0.1:{profile.public_port}"

    def up():
        try:
            return requests.get(f"{url}/nginx-health", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    wait_until(up, 20, "nginx")
    yield url, profile, replicas
    stop_group(process, timeout=20)
    for replica in replicas:
        try:
            replica.stop()
        except OSError:
            pass


def rest(url, sender, message="hi"):
    return requests.post(f"{url}/webhooks/rest/webhook", json={"message": message, "sender": sender}, timeout=10)


def sms(url, number):
    return requests.post(f"{url}/webhooks/twilio/webhook", data={"To": "+15550100199", "From": number, "Body": "hi"},
                         timeout=10)


def test_each_conversation_has_one_replica_and_both_are_used(nginx):
    url, _, replicas = nginx
    senders = [f"visitor-{i}" for i in range(20)]
    homes = {}
    for sender in senders:
        ports = {rest(url, sender, text).json()["port"] for text in ("hi", "how long?", '"sender": "x"')}
        assert len(ports) == 1, sender
        homes[sender] = ports.pop()
    assert set(homes.values()) == {r.port for r in replicas}
    for number in ("+14155550100", "+14155550101", "+14155550102"):
        assert len({sms(url, number).json()["port"] for _ in range(3)}) == 1


def test_a_replica_down_moves_only_its_conversations_and_they_come_back(nginx):
    url, _, replicas = nginx
    senders = [f"visitor-{i}" for i in range(20)]
    homes = {sender: rest(url, sender).json()["port"] for sender in senders}
    down = replicas[0]
    down.stop()
    during = {sender: rest(url, sender) for sender in senders}
    assert all(response.status_code == 200 for response in during.values())
    for sender, response in during.items():
        expected = replicas[1].port if homes[sender] == down.port else homes[sender]
        assert response.json()["port"] == expected


def test_no_replica_gives_an_honest_reply_in_each_channels_format(nginx):
    url, profile, replicas = nginx
    for replica in replicas:
        replica.stop()
    response = rest(url, "visitor-1")
    assert response.status_code == 503
    assert "(555) 010-0199" in response.json()[0]["text"]
    texted = sms(url, "+14155550100")
    assert texted.status_code == 200 and texted.headers["Content-Type"].startswith("application/xml")
    assert "<Message>Sorry, I cannot do that right now" in texted.text
    action = requests.post(f"http://127.0.0.1:{profile.actions_port}/webhook", json={"next_action": "x"}, timeout=10)
    assert action.status_code == 200
    assert {"event": "active_loop", "name": None} in action.json()["events"]
    assert "part of our system is unavailable" in action.json()["responses"][0]["text"]


def test_only_the_channels_are_published(nginx):
    url, _, _ = nginx
    assert requests.put(f"{url}/model", json={}, timeout=10).status_code == 404
    assert requests.post(f"{url}/model/parse", json={"text": "hi"}, timeout=10).status_code == 404
    assert requests.get(f"{url}/conversations/visitor-1/tracker", timeout=10).status_code == 404
    assert requests.get(f"{url}/status", timeout=10).status_code == 404
    assert requests.get(f"{url}/version", timeout=10).status_code == 200
