#!/usr/bin/env python3
"""The website's side of the cluster fault test (tests/cluster.rs): the PyPI `authy` 2.2.6 client
through HAProxy, verifying users' codes and sending OneTouch requests from several threads while
the test kills and restarts parts of the cluster, and the callback endpoint that checks every
callback's signature with the same library.

Environment: TWOFOLD_API (HAProxy's URL), TWOFOLD_API_KEY, TWOFOLD_SERVER_BIN and
TWOFOLD_DATABASE_URL (to set the application's callback URL), TWOFOLD_USERS (a JSON file:
[{"id": 1, "seed": "BASE32"}]), TWOFOLD_OPS and TWOFOLD_CALLBACKS (JSON-lines files written as
things happen). Prints "ready" once the callback URL is set; runs the load until a line "stop"
arrives on stdin; then finishes the calls in flight (recording any that does not end within 30
s as hung), keeps receiving callbacks until stdin closes, and exits.
"""
import base64
import hashlib
import hmac
import json
import os
import random
import struct
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from authy.api import AuthyApiClient

API = os.environ["TWOFOLD_API"]
KEY = os.environ["TWOFOLD_API_KEY"]
USERS = json.load(open(os.environ["TWOFOLD_USERS"]))
ops_file = open(os.environ["TWOFOLD_OPS"], "a")
callbacks_file = open(os.environ["TWOFOLD_CALLBACKS"], "a")
lock = threading.Lock()
api = AuthyApiClient(KEY, api_uri=API)


def record(f, entry):
    with lock:
        f.write(json.dumps(entry) + "\n")
        f.flush()


def totp(seed_b32, step, digits=6):
    seed = base64.b32decode(seed_b32 + "=" * (-len(seed_b32) % 8))
    mac = hmac.new(seed, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** digits).zfill(digits)


class Callbacks(BaseHTTPRequestHandler):
    """The website's callback endpoint: every callback recorded with the library's verdict."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        params = json.loads(body)
        url = f"http://127.0.0.1:{self.server.server_address[1]}{self.path}"
        valid = api.one_touch.validate_one_touch_signature(
            self.headers["X-Authy-Signature"], self.headers["X-Authy-Signature-Nonce"], "POST",
            url, params)
        record(callbacks_file, {"uuid": params.get("uuid"), "status": params.get("status"),
                                "valid": bool(valid), "at": time.time()})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


callback_server = ThreadingHTTPServer(("127.0.0.1", 0), Callbacks)
threading.Thread(target=callback_server.serve_forever, daemon=True).start()
callback_url = f"http://127.0.0.1:{callback_server.server_address[1]}/authy/callback"
out = subprocess.run([os.environ["TWOFOLD_SERVER_BIN"], "--database-url",
                      os.environ["TWOFOLD_DATABASE_URL"], "app", "set", "Default",
                      "--callback-url", callback_url], capture_output=True, text=True)
assert out.returncode == 0, out.stderr

stopping = threading.Event()
busy = {}


def timed(kind, user, call, **extra):
    """Runs one library call, recording when it started and ended and what it answered."""
    me = threading.get_ident()
    started = time.time()
    busy[me] = (kind, user, started)
    try:
        r = call()
        status = r.response.status_code
        entry = {"ok": r.ok(), "status": status, "body": r.content}
    except Exception as e:  # noqa: BLE001 - a connection error is a result too
        entry = {"ok": False, "status": 0, "body": str(e)}
    busy.pop(me, None)
    entry.update({"kind": kind, "user": user, "start": started, "end": time.time(), **extra})
    record(ops_file, entry)
    return entry


def verifier(users):
    """Verifies each user's current code once per 30-second step, round and round, spread over
    the step (a steady load through every fault)."""
    used = {}
    pause = 27.0 / len(users)
    while not stopping.is_set():
        step = int(time.time() // 30)
        fresh = [u for u in users if used.get(u["id"]) != step]
        if not fresh:
            time.sleep(0.2)
            continue
        u = random.choice(fresh)
        used[u["id"]] = step
        token = totp(u["seed"], step)
        timed("verify", u["id"], lambda: api.tokens.verify(u["id"], token, {"force": True}),
              step=step)
        time.sleep(pause)


def requester(users):
    """A OneTouch request now and then, for a user with no request still pending."""
    while not stopping.is_set():
        u = random.choice(users)
        entry = timed("onetouch", u["id"], lambda: api.one_touch.send_request(
            u["id"], "Log in to Example", seconds_to_expire=600))
        if entry["ok"]:
            entry_uuid = entry["body"]["approval_request"]["uuid"]
            record(ops_file, {"kind": "created", "uuid": entry_uuid, "user": u["id"]})
        time.sleep(0.25)


half = len(USERS) // 2
threads = [threading.Thread(target=verifier, args=(USERS[:half],)),
           threading.Thread(target=verifier, args=(USERS[half:],)),
           threading.Thread(target=requester, args=(USERS,))]
for t in threads:
    t.start()
print("ready", flush=True)
for line in sys.stdin:
    if line.strip() == "stop":
        break
stopping.set()
deadline = time.time() + 30
for t in threads:
    t.join(timeout=max(0.1, deadline - time.time()))
for kind, user, started in list(busy.values()):
    record(ops_file, {"kind": kind, "user": user, "start": started, "end": None, "ok": False,
                      "status": -1, "body": "hung: no answer within 30 s of the stop"})
print("stopped", flush=True)
for line in sys.stdin:
    pass
callback_server.shutdown()
