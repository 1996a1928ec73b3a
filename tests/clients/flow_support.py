"""What the Mastodon.py flow scripts share: a failed check ends the script with its
message, waiting for something a stream or a job makes true, and logging in as a
local account of the test instance (`LOGIN@social.test`)."""

import sys
import time

from mastodon import Mastodon

SCOPES = ["read", "write", "follow"]


def check(condition, message):
    if not condition:
        print(f"FAILED: {message}", file=sys.stderr)
        sys.exit(1)


def wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def log_in(base, app_name, login, password=None):
    """A client of a new app `app_name`, logged in as `login` (password
    `LOGIN-password-1` unless given) with SCOPES."""
    client_id, client_secret = Mastodon.create_app(app_name, api_base_url=base, scopes=SCOPES)
    client = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base, version_check_mode="created")
    client.log_in(f"{login}@social.test", password or f"{login}-password-1", scopes=SCOPES, allow_http=True)
    return client
