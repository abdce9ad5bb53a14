#!/usr/bin/env python3
"""End to end with the real PyPI `authy` 2.2.6 client against a running twofold-server.

Environment: TWOFOLD_URL (base URL), TWOFOLD_API_KEY, TWOFOLD_OUTBOX (the outbox file).
Codes for the TOTP secret are computed independently with pyotp; sent codes are read from the
outbox. Prints one line per check and a closing "N passed, M failed".
"""
import json
import os
import sys
import time
import traceback
import urllib.request

import pyotp
from authy.api import AuthyApiClient

URL = os.environ["TWOFOLD_URL"]
KEY = os.environ["TWOFOLD_API_KEY"]
OUTBOX = os.environ["TWOFOLD_OUTBOX"]

api = AuthyApiClient(KEY, api_uri=URL)
results = []


def check(name):
    def wrap(fn):
        try:
            fn()
            results.append((name, None))
            print(f"ok   {name}")
        except Exception:  # noqa: BLE001 - every failure is reported
            results.append((name, traceback.format_exc()))
            print(f"FAIL {name}\n{traceback.format_exc()}")
        return fn
    return wrap


def last_outbox(channel, to):
    with open(OUTBOX) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    matching = [m for m in lines if m["channel"] == channel and m["to"] == to]
    assert matching, f"no {channel} message to {to} in the outbox"
    return matching[-1]


state = {}


@check("users.create returns an id; the same phone gives the same id")
def _():
    user = api.users.create("alice@example.com", "775-461-5609", 1)
    assert user.ok(), user.errors()
    assert isinstance(user.id, int)
    again = api.users.create("alice2@example.com", "(775) 461 5609", 1)
    assert again.ok() and again.id == user.id, (again.content, user.id)
    state["id"] = user.id


@check("users.create with an invalid phone names the field")
def _():
    bad = api.users.create("bob@example.com", "123", 1)
    assert not bad.ok()
    assert bad.errors()["cellphone"] == "is invalid", bad.errors()
    assert bad.content["error_code"] == "60027"


@check("users.status")
def _():
    s = api.users.status(state["id"])
    assert s.ok(), s.errors()
    st = s.content["status"]
    assert st["authy_id"] == state["id"] and st["phone_number"] == "XXX-XXX-5609" and st["devices"] == []


@check("generate_qr -> pyotp code -> tokens.verify ok -> the same code again refused")
def _():
    qr = api.users.generate_qr(state["id"], size=300, label="alice@example.com")
    assert qr.ok(), qr.errors()
    assert qr.content["qr_code"].startswith("http"), qr.content
    png = urllib.request.urlopen(qr.content["qr_code"]).read()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    uri = qr.content["uri"]
    totp = pyotp.parse_uri(uri)
    assert totp.secret == qr.content["secret"]
    code = totp.now()
    v = api.tokens.verify(state["id"], code)
    assert v.ok(), v.content
    replay = api.tokens.verify(state["id"], code)
    assert not replay.ok(), "a code accepted once must be refused after"
    assert replay.content["error_code"] == "60020"


@check("tokens.verify with a wrong code fails with 60020")
def _():
    v = api.tokens.verify(state["id"], "0000000")
    assert not v.ok()
    assert v.content["token"] == "is invalid" and v.content["error_code"] == "60020"


@check("request_sms -> outbox -> verify ok, once")
def _():
    sms = api.users.request_sms(state["id"], {"force": True})
    assert sms.ok(), sms.errors()
    assert sms.content["message"] == "SMS token was sent"
    code = last_outbox("sms", "+17754615609")["code"]
    assert api.tokens.verify(state["id"], code).ok()
    assert not api.tokens.verify(state["id"], code).ok()


@check("request_call -> outbox -> verify ok")
def _():
    call = api.users.request_call(state["id"], {"force": True})
    assert call.ok(), call.errors()
    code = last_outbox("call", "+17754615609")["code"]
    assert api.tokens.verify(state["id"], code).ok()


@check("phone verification start -> outbox -> check")
def _():
    start = api.phones.verification_start("775-461-5609", "1", via="sms", code_length=6)
    assert start.ok(), start.errors()
    assert start.content["message"] == "Text message sent to +1 775-461-5609."
    code = last_outbox("sms", "+17754615609")["code"]
    assert len(code) == 6
    wrong = api.phones.verification_check("775-461-5609", "1", "000000" if code != "000000" else "111111")
    assert not wrong.ok() and wrong.content["error_code"] == "60022"
    right = api.phones.verification_check("775-461-5609", "1", code)
    assert right.ok(), right.errors()
    assert right.content["message"] == "Verification code is correct."


@check("phones.info")
def _():
    info = api.phones.info("775-461-5609", "1")
    assert info.ok(), info.errors()
    assert info.content["message"].startswith("Phone number information as of ")


@check("apps.fetch and stats.fetch")
def _():
    app = api.apps.fetch()
    assert app.ok() and app.content["app"]["name"], app.content
    stats = api.stats.fetch()
    assert stats.ok() and stats.content["total_users"] >= 1, stats.content


@check("one_touch.send_request -> pending -> expired after seconds_to_expire")
def _():
    r = api.one_touch.send_request(state["id"], "Login requested", seconds_to_expire=2,
                                   details={"username": "Bill Smith", "Account Number": "981266321"},
                                   hidden_details={"ip_address": "10.10.3.203"},
                                   logos=[{"res": "default", "url": "https://example.com/d.png"}])
    assert r.ok(), r.errors()
    uuid = r.get_uuid()
    status = api.one_touch.get_approval_status(uuid)
    assert status.ok(), status.errors()
    assert status.content["approval_request"]["status"] == "pending"
    assert status.content["approval_request"]["uuid"] == uuid
    time.sleep(3)
    status = api.one_touch.get_approval_status(uuid)
    assert status.content["approval_request"]["status"] == "expired", status.content


@check("one_touch with seconds_to_expire=None uses the default")
def _():
    r = api.one_touch.send_request(state["id"], "Login requested")
    assert r.ok(), r.errors()
    s = api.one_touch.get_approval_status(r.get_uuid())
    assert s.content["approval_request"]["seconds_to_expire"] == 86400


@check("unknown approval request -> 60049 with empty errors")
def _():
    s = api.one_touch.get_approval_status("550e8400-e29b-41d4-a716-446655440000")
    assert not s.ok() and s.errors() == {} and s.content["error_code"] == "60049"


@check("wrong API key -> 60001")
def _():
    other = AuthyApiClient("not-the-key", api_uri=URL)
    r = other.users.status(state["id"])
    assert not r.ok() and r.content["error_code"] == "60001" and r.response.status_code == 401


@check("unknown user -> 60026")
def _():
    r = api.users.status(987654321)
    assert not r.ok() and r.content["error_code"] == "60026" and r.response.status_code == 404
    v = api.tokens.verify(987654321, "1234567")
    assert not v.ok() and v.content["error_code"] == "60026"


@check("malformed parameters -> documented errors")
def _():
    start = api.phones.verification_start("775-461-5609", "", via="sms")
    assert not start.ok() and start.content["error_code"] == "60004", start.content
    bad = api.phones.verification_start("12", "1", via="sms")
    assert not bad.ok() and bad.content["error_code"] == "60033", bad.content


@check("users.delete -> the user is gone")
def _():
    user = api.users.create("carol@example.com", "911234567", 351)
    assert user.ok(), user.errors()
    d = api.users.delete(user.id)
    assert d.ok(), d.errors()
    assert not api.users.status(user.id).ok()


failed = sum(1 for _, e in results if e)
print(f"{len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
