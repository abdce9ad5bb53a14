#!/usr/bin/env python3
"""Decrypts an encrypted Aegis vault following Aegis's published vault documentation
(docs/vault.md in github.com/beemdevelopment/Aegis) and nothing of Twofold's, and prints each
entry as `issuer | name | secret | type`. Usage: aegis_decrypt.py FILE PASSWORD"""

import base64
import hashlib
import json
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def main(path, password):
    with open(path) as f:
        vault = json.load(f)
    assert vault["version"] == 1, "vault version"
    header = vault["header"]
    master = None
    for slot in header["slots"]:
        if slot["type"] != 1:  # password slots only
            continue
        key = hashlib.scrypt(password.encode(), salt=bytes.fromhex(slot["salt"]), n=slot["n"],
                             r=slot["r"], p=slot["p"], dklen=32,
                             maxmem=128 * slot["n"] * slot["r"] * 2)
        params = slot["key_params"]
        master = AESGCM(key).decrypt(bytes.fromhex(params["nonce"]),
                                     bytes.fromhex(slot["key"]) + bytes.fromhex(params["tag"]),
                                     None)
        break
    assert master is not None, "no password slot"
    params = header["params"]
    db = AESGCM(master).decrypt(bytes.fromhex(params["nonce"]),
                                base64.b64decode(vault["db"]) + bytes.fromhex(params["tag"]),
                                None)
    db = json.loads(db)
    assert db["version"] in (1, 2, 3), "database version"
    for entry in db["entries"]:
        print(f"{entry['issuer']} | {entry['name']} | {entry['info']['secret']} | {entry['type']}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
