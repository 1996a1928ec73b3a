"""Drives a real aerie instance's filters with Mastodon.py (a client library nobody here wrote).

Usage: python3 filters_flow.py BASE_URL
The instance must have confirmed local accounts alice (password alice-password-1) and
bob (password bob-password-1). Run by tests/integration/api/filters.rs on both engines.
Exits non-zero with the failed check on stderr; prints "filters flow: ok" when all passed.
"""

import sys
import time

from mastodon import Mastodon, MastodonNotFoundError, StreamListener

BASE = sys.argv[1]
SCOPES = ["read", "write", "follow"]


def check(condition, message):
    if not condition:
        print(f"FAILED: {message}", file=sys.stderr)
        sys.exit(1)


class Collector(StreamListener):
    def __init__(self):
        super().__init__()
        self.updates = {}

    def on_update(self, status):
        self.updates[str(status["id"])] = status


def wait_for(predicate, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def titles(status):
    return [result["filter"]["title"] for result in status["filtered"]]


def main():
    client_id, client_secret = Mastodon.create_app("filters-flow", api_base_url=BASE, scopes=SCOPES)
    alice = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=BASE, version_check_mode="created")
    alice.log_in("alice@social.test", "alice-password-1", scopes=SCOPES, allow_http=True)
    bob = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=BASE, version_check_mode="created")
    bob.log_in("bob@social.test", "bob-password-1", scopes=SCOPES, allow_http=True)
    alice.account_follow(alice.account_lookup("bob"))

    # Filters v2: create with keywords, add and remove keywords, rename.
    crabs = alice.create_filter_v2(
        "Crabs", ["home", "public"], "warn", keywords_attributes=[{"keyword": "rust", "whole_word": True}]
    )
    check(crabs["title"] == "Crabs" and crabs["filter_action"] == "warn", f"created: {crabs}")
    check([k["keyword"] for k in crabs["keywords"]] == ["rust"], f"keywords: {crabs['keywords']}")
    check(len(alice.filters_v2()) == 1, "one filter listed")
    ferris = alice.add_filter_keyword_v2(crabs, "ferris", whole_word=False)
    check(ferris["keyword"] == "ferris" and ferris["whole_word"] is False, f"keyword added: {ferris}")
    check(len(alice.filter_keywords_v2(crabs)) == 2, "two keywords")
    renamed = alice.update_filter_v2(crabs, title="Crabs!", keywords_attributes=[{"id": ferris["id"], "_destroy": True}])
    check(renamed["title"] == "Crabs!", f"renamed: {renamed}")
    check([k["keyword"] for k in renamed["keywords"]] == ["rust"], f"ferris destroyed: {renamed['keywords']}")
    check(alice.filter_v2(crabs)["title"] == "Crabs!", "read back")

    # Applied by the server: `filtered` on the home timeline, with the keyword.
    post = bob.status_post("rust rocks", visibility="public")
    home = alice.timeline_home()
    mine = [s for s in home if s["id"] == post["id"]]
    check(len(mine) == 1, f"on home: {home}")
    check(titles(mine[0]) == ["Crabs!"], f"filtered: {mine[0]['filtered']}")
    check(mine[0]["filtered"][0]["keyword_matches"] == ["rust"], f"keyword matches: {mine[0]['filtered']}")

    # Statuses in a filter.
    named = alice.add_filter_status_v2(crabs, post)
    check(str(named["status_id"]) == str(post["id"]), f"status added: {named}")
    check(len(alice.filter_statuses_v2(crabs)) == 1, "one status")
    check(str(alice.filter_status_v2(named)["id"]) == str(named["id"]), "status read back")
    alice.delete_filter_status_v2(named)
    check(alice.filter_statuses_v2(crabs) == [], "status removed")

    # A hide filter leaves statuses out of home.
    hide = alice.create_filter_v2("Secrets", ["home"], "hide", keywords_attributes=[{"keyword": "secret", "whole_word": True}])
    hidden = bob.status_post("secret plans", visibility="public")
    check(all(s["id"] != hidden["id"] for s in alice.timeline_home()), "hidden from home")

    # Streaming (SSE): the update arrives with `filtered`.
    collector = Collector()
    stream = alice.stream_user(collector, run_async=True, timeout=30)
    time.sleep(0.5)
    streamed = bob.status_post("more rust news", visibility="public")
    check(wait_for(lambda: str(streamed["id"]) in collector.updates), "the update was streamed")
    check(titles(collector.updates[str(streamed["id"])]) == ["Crabs!"], f"streamed filtered: {collector.updates}")
    stream.close()

    # Filters v1.
    v1 = alice.filter_create("spoiler", ["home", "thread"], irreversible=False, whole_word=True)
    check(v1["phrase"] == "spoiler" and v1["whole_word"] is True and v1["irreversible"] is False, f"v1 created: {v1}")
    check(any(f["id"] == v1["id"] for f in alice.filters()), "v1 listed")
    changed = alice.filter_update(v1, phrase="spoilers", irreversible=True)
    check(changed["phrase"] == "spoilers" and changed["irreversible"] is True, f"v1 updated: {changed}")
    check(alice.filter(v1)["phrase"] == "spoilers", "v1 read back")
    check(any(f["title"] == "spoilers" and f["filter_action"] == "hide" for f in alice.filters_v2()), "v1 seen through v2")
    alice.filter_delete(v1)
    try:
        alice.filter(v1)
        check(False, "a deleted v1 filter is gone")
    except MastodonNotFoundError:
        pass

    # Another user's filter is not found; deleting ends it.
    try:
        bob.filter_v2(crabs)
        check(False, "bob cannot read alice's filter")
    except MastodonNotFoundError:
        pass
    alice.delete_filter_v2(crabs)
    alice.delete_filter_v2(hide)
    check(alice.filters_v2() == [], "all deleted")
    print("filters flow: ok")


if __name__ == "__main__":
    main()
