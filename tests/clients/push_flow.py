"""Drives a real aerie instance's Web Push with Mastodon.py 2.3.3: keys made by
`push_subscription_generate_keys`, `push_subscription_set` (the key is the v2
instance's `configuration.vapid.public_key`), `push_subscription`, a mention pushed to
a push service run here and decrypted with `cryptography` following RFC 8291 step by
step (independently of the server's library), `push_subscription_update`,
`push_subscription_delete`, and a token without the `push` scope refused.

Usage: python3 push_flow.py BASE_URL PUSH_PORT
The instance must have confirmed local accounts alice (password alice-password-1) and
bob (password bob-password-1) and reach `push.test` at 127.0.0.1:PUSH_PORT. Run by
tests/integration/api/web_push_client.rs on both engines. Prints "push flow: ok" when
every check passed; exits non-zero with the failed check on stderr otherwise.
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError

BASE = sys.argv[1]
PUSH_PORT = int(sys.argv[2])
RECEIVED = []


def check(condition, message):
    if not condition:
        print(f"FAILED: {message}", file=sys.stderr)
        sys.exit(1)


class PushService(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        RECEIVED.append((self.path, self.headers, body))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args):
        pass


def hkdf(salt, ikm, info, length):
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def decrypt(body, private_number, auth):
    """RFC 8291 (aes128gcm, RFC 8188) as the user agent does it."""
    salt, record_size, id_len = body[:16], int.from_bytes(body[16:20], "big"), body[20]
    server_public = body[21 : 21 + id_len]
    ciphertext = body[21 + id_len :]
    check(len(ciphertext) <= record_size, "one record")
    private = ec.derive_private_key(private_number, ec.SECP256R1())
    ua_public = private.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    shared = private.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), server_public))
    ikm = hkdf(auth, shared, b"WebPush: info\x00" + ua_public + server_public, 32)
    key = hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
    padded = AESGCM(key).decrypt(nonce, ciphertext, None).rstrip(b"\x00")
    check(padded.endswith(b"\x02"), "the last record's delimiter")
    return json.loads(padded[:-1])


def log_in(login, password, scopes):
    client_id, client_secret = Mastodon.create_app("push-flow", api_base_url=BASE, scopes=scopes)
    client = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=BASE, version_check_mode="created")
    client.log_in(f"{login}@social.test", password, scopes=scopes, allow_http=True)
    return client


def main():
    server = ThreadingHTTPServer(("127.0.0.1", PUSH_PORT), PushService)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    alice = log_in("alice", "alice-password-1", ["read", "write", "follow", "push"])
    bob = log_in("bob", "bob-password-1", ["read", "write", "follow"])

    private, public = alice.push_subscription_generate_keys()
    endpoint = "http://push.test/push/alice"
    subscription = alice.push_subscription_set(endpoint, public, mention_events=True, follow_events=False, policy="all")
    server_key = alice.instance_v2()["configuration"]["vapid"]["public_key"]
    check(server_key and subscription["server_key"] == server_key, f"server_key {subscription['server_key']} is the instance's {server_key}")
    check(subscription["endpoint"] == endpoint, f"endpoint {subscription['endpoint']}")
    check(subscription["alerts"]["mention"] is True and subscription["alerts"]["follow"] is False, f"alerts {subscription['alerts']}")
    check(alice.push_subscription()["id"] == subscription["id"], "push_subscription reads it back")

    bob.status_post("@alice hello from Mastodon.py")
    deadline = time.monotonic() + 30
    while not RECEIVED and time.monotonic() < deadline:
        time.sleep(0.05)
    check(len(RECEIVED) == 1, f"one push received, not {len(RECEIVED)}")
    path, headers, body = RECEIVED[0]
    check(path == "/push/alice", f"pushed to {path}")
    check(headers.get("Content-Encoding") == "aes128gcm", f"headers {dict(headers)}")
    check(headers.get("Authorization", "").startswith("vapid t=") and headers["Authorization"].endswith(f", k={server_key}"), "VAPID")
    message = decrypt(body, private["privkey"], private["auth"])
    newest = alice.notifications(types=["mention"])[0]
    check(message["notification_type"] == "mention", f"message {message}")
    check(str(message["notification_id"]) == str(newest["id"]), f"notification {message['notification_id']} is {newest['id']}")
    check("hello from Mastodon.py" in message["body"], f"body {message['body']}")
    check(message["access_token"] == alice.access_token, "the subscribing token")

    changed = alice.push_subscription_update(mention_events=False, favourite_events=True, policy="followed")
    check(changed["alerts"]["favourite"] is True and changed["alerts"]["mention"] is False, f"alerts {changed['alerts']}")
    check(changed["policy"] == "followed", f"policy {changed['policy']}")

    try:
        bob.push_subscription()
        check(False, "a token without push reads a subscription")
    except MastodonAPIError as e:
        check("403" in str(e) or "outside the authorized scopes" in str(e), f"refused with {e}")

    alice.push_subscription_delete()
    try:
        alice.push_subscription()
        check(False, "the deleted subscription is still there")
    except MastodonNotFoundError:
        pass
    server.shutdown()
    print("push flow: ok")


if __name__ == "__main__":
    main()
