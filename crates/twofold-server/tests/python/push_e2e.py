#!/usr/bin/env python3
"""Push approval end to end: the real twofold-server binary, the `twofold` CLI as the device and
the PyPI `authy` 2.2.6 library as the website (its own OneTouch calls and callback signature
check). A second device made here with PyNaCl checks the wire protocol independently (forged and
replayed signatures). The server is restarted while a request is pending and while a callback is
queued. With PostgreSQL a second server shares the database: a request created there reaches the
device listening on the first.

Environment: TWOFOLD_SERVER_BIN, TWOFOLD_CLI_BIN, TWOFOLD_DATABASE_URL, TWOFOLD_WORKDIR, and
TWOFOLD_NODE_VERIFIER (tests/node/verify_callback.js with npm `authy-client` installed beside it:
POST callbacks are checked by that library too).
Prints one line per check and a closing "N passed, M failed".
"""
import base64
import email.utils
import glob
import hashlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import nacl.signing
import requests
from authy.api import AuthyApiClient

SERVER_BIN = os.environ["TWOFOLD_SERVER_BIN"]
CLI_BIN = os.environ["TWOFOLD_CLI_BIN"]
DATABASE_URL = os.environ["TWOFOLD_DATABASE_URL"]
WORK = os.environ["TWOFOLD_WORKDIR"]
KEY = "push-e2e-api-key"
POSTGRES = DATABASE_URL.startswith("postgres")
NODE_VERIFIER = os.environ.get("TWOFOLD_NODE_VERIFIER")

results = []


def check(name):
    def wrap(fn):
        try:
            fn()
            results.append((name, None))
            print(f"ok   {name}", flush=True)
        except Exception:  # noqa: BLE001 - every failure is reported
            results.append((name, traceback.format_exc()))
            print(f"FAIL {name}\n{traceback.format_exc()}", flush=True)
        return fn
    return wrap


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what, fn, timeout=15.0):
    end = time.time() + timeout
    while time.time() < end:
        value = fn()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Server:
    """One twofold-server process on a fixed port (so devices reconnect to it after a restart)."""

    def __init__(self, name, port):
        self.name = name
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.proc = None

    def start(self, clock_ahead=0):
        """`clock_ahead`: seconds the server's clock runs ahead (libfaketime)."""
        log = open(os.path.join(WORK, f"{self.name}.log"), "a")
        env = dict(os.environ, TWOFOLD_BOOTSTRAP_API_KEY=KEY, RUST_LOG="info")
        if clock_ahead:
            # libfaketime preloaded into the server itself (the `faketime` wrapper would fork,
            # and stop() would signal the wrapper instead).
            env["LD_PRELOAD"] = glob.glob("/usr/lib/*/faketime/libfaketime.so.1")[0]
            env["FAKETIME"] = f"+{clock_ahead}s"
            env["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
        self.proc = subprocess.Popen(
            [SERVER_BIN, "serve", "--listen", f"127.0.0.1:{self.port}",
             "--database-url", DATABASE_URL,
             "--outbox", os.path.join(WORK, "outbox.jsonl"),
             "--server-key-file", os.path.join(WORK, "server.key")],
            stdout=log, stderr=log, env=env)
        wait_until(f"{self.name} to answer /healthz", self.healthy)

    def healthy(self):
        try:
            return requests.get(self.url + "/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Callbacks(BaseHTTPRequestHandler):
    """The website's callback endpoint: records every request; answers 503 while `failing`."""
    seen = []
    failing = False

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status = 503 if Callbacks.failing else 200
        Callbacks.seen.append({"method": "POST", "path": self.path, "status": status,
                               "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body.decode()})
        self.send_response(status)
        self.end_headers()

    def do_GET(self):
        Callbacks.seen.append({"method": "GET", "path": self.path, "status": 200,
                               "headers": {k.lower(): v for k, v in self.headers.items()}, "body": "{}"})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


callback_server = ThreadingHTTPServer(("127.0.0.1", 0), Callbacks)
threading.Thread(target=callback_server.serve_forever, daemon=True).start()
CALLBACK_URL = f"http://127.0.0.1:{callback_server.server_address[1]}/authy/callback"

server = Server("server", free_port())
server.start()
api = AuthyApiClient(KEY, api_uri=server.url)

cli_env = dict(os.environ, TWOFOLD_VAULT=os.path.join(WORK, "device", "vault.tfv"))


def cli(*args, check_ok=True):
    out = subprocess.run([CLI_BIN, *args], capture_output=True, text=True, env=cli_env, timeout=60)
    if check_ok:
        assert out.returncode == 0, f"twofold {' '.join(args)}: {out.stdout}{out.stderr}"
    return out


class Listener:
    """`twofold push listen --json`, its lines on a queue."""

    def __init__(self):
        self.proc = subprocess.Popen([CLI_BIN, "--json", "push", "listen"], stdout=subprocess.PIPE,
                                     stderr=open(os.path.join(WORK, "listen.log"), "a"),
                                     text=True, env=cli_env)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))

    def next_for(self, uuid, status, timeout=15.0):
        end = time.time() + timeout
        while time.time() < end:
            try:
                ev = self.lines.get(timeout=max(0.01, end - time.time()))
            except queue.Empty:
                break
            r = ev["request"]
            if r["uuid"] == uuid and r["status"] == status:
                return ev
        raise AssertionError(f"`push listen` printed no {status} line for {uuid}")

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


state = {}


def set_callback(url, method="POST"):
    out = subprocess.run([SERVER_BIN, "--database-url", DATABASE_URL, "app", "set", "Default",
                          "--callback-url", url, "--callback-method", method],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def callbacks_for(uuid):
    return [c for c in Callbacks.seen if json.loads(c["body"]).get("uuid") == uuid]


def authy_client_accepts(c):
    """npm authy-client's verifyCallback on the callback as the website's server received it."""
    request = {"key": KEY, "body": json.loads(c["body"]), "method": "POST", "protocol": "http",
               "url": c["path"], "headers": {"host": c["headers"]["host"],
                                             "x-authy-signature": c["headers"]["x-authy-signature"],
                                             "x-authy-signature-nonce": c["headers"]["x-authy-signature-nonce"]}}
    out = subprocess.run(["node", NODE_VERIFIER], input=json.dumps(request), capture_output=True,
                         text=True, timeout=60)
    return out.returncode == 0 and out.stdout.strip() == "valid", out.stdout + out.stderr


def assert_signed_callback(c, status):
    params = json.loads(c["body"])
    assert params["status"] == status, params
    sig = c["headers"]["x-authy-signature"]
    nonce = c["headers"]["x-authy-signature-nonce"]
    if NODE_VERIFIER:
        ok, why = authy_client_accepts(c)
        assert ok, f"npm authy-client rejects the callback: {why}"
    assert c["headers"]["content-type"] == "application/json"
    assert api.one_touch.validate_one_touch_signature(sig, nonce, "POST", CALLBACK_URL, params), \
        "the authy library rejects the callback signature"
    # And a tampered body is rejected by the same check.
    params["status"] = "approved" if status == "denied" else "denied"
    assert not api.one_touch.validate_one_touch_signature(sig, nonce, "POST", CALLBACK_URL, params)


@check("setup: callback URL, a user, an enrollment QR, `twofold push enroll <image>`")
def _():
    set_callback(CALLBACK_URL)
    user = api.users.create("pat@example.com", "201-555-0142", 1)
    assert user.ok(), user.errors()
    state["user"] = user.id
    r = requests.post(f"{server.url}/protected/json/users/{user.id}/devices/enrollments",
                      headers={"X-Authy-API-Key": KEY}, timeout=10).json()
    assert r["success"] is True, r
    png = base64.b64decode(r["enrollment"]["qr_code"].split(",", 1)[1])
    path = os.path.join(WORK, "enroll.png")
    with open(path, "wb") as f:
        f.write(png)
    out = cli("push", "enroll", path, "--name", "e2e laptop")
    assert "Enrolled `e2e laptop`" in out.stdout, out.stdout
    devices = json.loads(cli("--json", "push", "devices").stdout)
    assert [d["state"] for d in devices] == ["active"], devices
    state["device"] = devices[0]["uuid"]
    status = api.users.status(user.id)
    assert status.ok() and status.content["status"]["devices"] == ["cli"], status.content
    # The codes the device now shows are the ones verify accepts.
    code = cli("--json", "code", "Default").stdout
    token = json.loads(code)["code"]
    assert api.tokens.verify(user.id, token).ok()
    # The same link cannot enroll twice.
    again = cli("push", "enroll", r["enrollment"]["uri"], check_ok=False)
    assert again.returncode != 0 and "used already" in again.stderr, again.stderr


listener = Listener()


@check("send_request → `push listen` prints it → approve → approved, and a callback the library accepts")
def _():
    started = time.time()
    r = api.one_touch.send_request(state["user"], "Login to Shop", seconds_to_expire=120,
                                   details={"username": "pat", "location": "Lyon"},
                                   hidden_details={"ip": "10.1.2.3"})
    assert r.ok(), r.errors()
    uuid = r.get_uuid()
    ev = listener.next_for(uuid, "pending")
    assert time.time() - started < 5
    assert ev["request"]["message"] == "Login to Shop"
    assert ev["request"]["details"] == {"username": "pat", "location": "Lyon"}
    assert "10.1.2.3" not in json.dumps(ev), "hidden details reached the device"
    assert api.one_touch.get_approval_status(uuid).content["approval_request"]["status"] == "pending"
    out = cli("push", "approve", uuid)
    assert "approved" in out.stdout, out.stdout
    assert api.one_touch.get_approval_status(uuid).content["approval_request"]["status"] == "approved"
    listener.next_for(uuid, "approved")
    c = wait_until("the callback", lambda: callbacks_for(uuid))[0]
    assert c["path"] == "/authy/callback"
    assert_signed_callback(c, "approved")


@check("deny → denied with a signed callback")
def _():
    uuid = api.one_touch.send_request(state["user"], "Wire transfer").get_uuid()
    listener.next_for(uuid, "pending")
    cli("push", "deny", uuid)
    status = api.one_touch.get_approval_status(uuid).content["approval_request"]
    assert status["status"] == "denied" and status.get("reason") is None, status
    assert_signed_callback(wait_until("the callback", lambda: callbacks_for(uuid))[0], "denied")


@check("deny --not-me → denied, reason not_me in the status")
def _():
    uuid = api.one_touch.send_request(state["user"], "Who is this").get_uuid()
    listener.next_for(uuid, "pending")
    out = cli("push", "deny", uuid, "--not-me")
    assert "not you" in out.stdout, out.stdout
    status = api.one_touch.get_approval_status(uuid).content["approval_request"]
    assert (status["status"], status["reason"]) == ("denied", "not_me"), status


@check("number matching: a wrong number denies, the right one approves")
def _():
    def create():
        r = requests.post(f"{server.url}/onetouch/json/users/{state['user']}/approval_requests",
                          headers={"X-Authy-API-Key": KEY},
                          json={"message": "Sign in", "number_match": True}, timeout=10).json()
        return r["approval_request"]["uuid"], r["approval_request"]["number"]
    uuid, number = create()
    ev = listener.next_for(uuid, "pending")
    assert ev["request"]["number_required"] is True
    out = cli("push", "approve", uuid, "--number", str(number % 90 + 10 if number != 99 else 98))
    assert "Wrong number" in out.stdout, out.stdout
    status = api.one_touch.get_approval_status(uuid).content["approval_request"]
    assert (status["status"], status["reason"]) == ("denied", "wrong_number"), status
    uuid, number = create()
    listener.next_for(uuid, "pending")
    cli("push", "approve", uuid, "--number", str(number))
    assert api.one_touch.get_approval_status(uuid).content["approval_request"]["status"] == "approved"


@check("expiry: seconds_to_expire passes → expired at the website and at the device")
def _():
    uuid = api.one_touch.send_request(state["user"], "Quick one", seconds_to_expire=1).get_uuid()
    listener.next_for(uuid, "pending")
    listener.next_for(uuid, "expired", timeout=10)
    assert api.one_touch.get_approval_status(uuid).content["approval_request"]["status"] == "expired"
    late = cli("push", "approve", uuid, check_ok=False)
    assert late.returncode != 0 and "expired" in late.stderr, late.stderr


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def signed_headers(sk, device, method, path, body=b"", nonce=None, ts=None):
    ts = int(time.time()) if ts is None else ts
    nonce = nonce or b64u(os.urandom(16))
    text = "\n".join(["twofold-device-v1", method, path, str(ts), nonce,
                      hashlib.sha256(body).hexdigest()])
    return {"X-Twofold-Device": device, "X-Twofold-Timestamp": str(ts), "X-Twofold-Nonce": nonce,
            "X-Twofold-Signature": b64u(sk.sign(text.encode()).signature)}


@check("GET callbacks: query parameters with a Ruby-hash approval_request, accepted by the library")
def _():
    from urllib.parse import parse_qsl, urlparse
    set_callback(CALLBACK_URL, "GET")
    try:
        uuid = api.one_touch.send_request(state["user"], "Callback by GET").get_uuid()
        listener.next_for(uuid, "pending")
        cli("push", "approve", uuid)

        def got():
            for c in Callbacks.seen:
                if c["method"] == "GET" and uuid in c["path"]:
                    return c
            return None
        c = wait_until("the GET callback", got)
        u = urlparse(c["path"])
        assert u.path == "/authy/callback", u.path
        params = dict(parse_qsl(u.query, keep_blank_values=True))
        assert params["status"] == "approved" and params["uuid"] == uuid, params
        assert params["approval_request"].startswith('{"app_id"=>'), params["approval_request"]
        assert api.one_touch.validate_one_touch_signature(
            c["headers"]["x-authy-signature"], c["headers"]["x-authy-signature-nonce"],
            "GET", CALLBACK_URL, params), "the authy library rejects the GET callback signature"
    finally:
        set_callback(CALLBACK_URL, "POST")


@check("an independent device (PyNaCl): enrolls; forged and replayed signatures are refused")
def _():
    r = requests.post(f"{server.url}/protected/json/users/{state['user']}/devices/enrollments",
                      headers={"X-Authy-API-Key": KEY}, timeout=10).json()["enrollment"]
    from urllib.parse import parse_qs, urlparse
    q = {k: v[0] for k, v in parse_qs(urlparse(r["uri"]).query).items()}
    sk = nacl.signing.SigningKey.generate()
    pk = b64u(bytes(sk.verify_key))
    proof = b64u(sk.sign(f"twofold-enroll-v1\n{q['id']}\n{pk}".encode()).signature)
    e = requests.post(f"{q['server']}/device/v1/enroll", timeout=10,
                      json={"id": q["id"], "secret": q["secret"], "public_key": pk,
                            "name": "nacl", "platform": "python", "proof": proof}).json()
    device = e["device"]["uuid"]
    h = signed_headers(sk, device, "GET", "/device/v1/me")
    assert requests.get(server.url + "/device/v1/me", headers=h, timeout=10).status_code == 200
    replay = requests.get(server.url + "/device/v1/me", headers=h, timeout=10)
    assert replay.status_code == 401 and "replayed" in replay.json()["message"], replay.text
    forged = signed_headers(nacl.signing.SigningKey.generate(), device, "GET", "/device/v1/me")
    bad = requests.get(server.url + "/device/v1/me", headers=forged, timeout=10)
    assert bad.status_code == 401 and bad.json()["error_code"] == "60101", bad.text
    stale = signed_headers(sk, device, "GET", "/device/v1/me", ts=int(time.time()) - 3600)
    assert requests.get(server.url + "/device/v1/me", headers=stale, timeout=10).status_code == 401
    # Revoke it again, so the CLI stays the user's one device.
    h = signed_headers(sk, device, "POST", "/device/v1/revoke")
    assert requests.post(server.url + "/device/v1/revoke", headers=h, timeout=10).status_code == 200


@check("a server restart while a request is pending: the device reconnects, approves, nothing lost")
def _():
    uuid = api.one_touch.send_request(state["user"], "Before the restart").get_uuid()
    listener.next_for(uuid, "pending")
    server.stop()
    server.start()
    assert api.one_touch.get_approval_status(uuid).content["approval_request"]["status"] == "pending"
    cli("push", "approve", uuid)
    listener.next_for(uuid, "approved", timeout=30)
    # And a request created after the restart reaches the reconnected listener.
    later = api.one_touch.send_request(state["user"], "After the restart").get_uuid()
    listener.next_for(later, "pending", timeout=30)
    cli("push", "deny", later)


@check("a server restart while a callback is queued (website down): delivered afterwards")
def _():
    Callbacks.failing = True
    uuid = api.one_touch.send_request(state["user"], "Callback survives").get_uuid()
    listener.next_for(uuid, "pending")
    cli("push", "approve", uuid)
    wait_until("a failed callback attempt", lambda: callbacks_for(uuid))
    server.stop()
    assert all(c["status"] == 503 for c in callbacks_for(uuid))
    Callbacks.failing = False
    server.start()
    c = wait_until("the callback after the restart", lambda: [
        x for x in callbacks_for(uuid) if x["status"] == 200], timeout=30)[0]
    assert_signed_callback(c, "approved")


if POSTGRES:
    @check("two servers on one PostgreSQL: a request created on the second reaches the device on the first")
    def _():
        second = Server("second", free_port())
        second.start()
        try:
            other = AuthyApiClient(KEY, api_uri=second.url)
            started = time.time()
            uuid = other.one_touch.send_request(state["user"], "Via the other server").get_uuid()
            listener.next_for(uuid, "pending", timeout=10)
            assert time.time() - started < 5
            cli("push", "approve", uuid)
            assert other.one_touch.get_approval_status(uuid).content["approval_request"]["status"] == "approved"
        finally:
            second.stop()


@check("clock check: the server's clock a minute ahead → `twofold code` and `twofold clock` warn; on time → quiet")
def _():
    record = os.path.join(WORK, "device", "vault.tfv.clock.json")
    server.stop()
    server.start(clock_ahead=60)
    try:
        said = email.utils.parsedate_to_datetime(requests.get(server.url + "/healthz", timeout=5).headers["Date"])
        assert 58 <= said.timestamp() - time.time() <= 62, said
        # Measured at most hourly: forget the last measurement, as an hour passing would.
        if os.path.exists(record):
            os.remove(record)
        out = cli("code", "Default")
        assert "twofold: warning: this computer's clock is 1 min behind " + server.url in out.stderr, out.stderr
        assert out.stdout.strip(), out.stdout
        # Measured once: the next code warns from the record, without asking the server again.
        assert "1 min behind" in cli("code", "Default").stderr
        report = json.loads(cli("--json", "clock").stdout)
        assert 59 <= report["offset_seconds"] <= 61 and report["ok"] is False, report
        assert "Warning: this computer's clock is 1 min behind" in cli("clock").stdout
    finally:
        server.stop()
        server.start()
    out = cli("clock")
    assert "clock is right" in out.stdout, out.stdout + out.stderr
    out = cli("code", "Default")
    assert "warning" not in out.stderr, out.stderr


@check("`push remove` revokes the device; the website sees no device")
def _():
    cli("push", "remove", state["device"])
    status = api.users.status(state["user"])
    assert status.content["status"]["devices"] == [], status.content
    assert json.loads(cli("--json", "push", "devices").stdout) == []


listener.stop()
server.stop()
callback_server.shutdown()
failed = [r for r in results if r[1]]
print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
