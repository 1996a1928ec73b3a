"""Drives a real aerie instance's lists with Mastodon.py 2.3.3: create, add members,
read the list timeline (paged) and the list stream, the lists holding an account,
update, remove a member, delete.

Usage: python3 lists_flow.py BASE_URL
The instance must have confirmed local accounts alice (password alice-password-1) and
bob (password bob-password-1). Run by tests/integration/api/lists_client.rs on both
engines. Prints "lists flow: ok" when every check passed; exits non-zero with the
failed check on stderr otherwise.
"""

import sys
import time

from mastodon import MastodonAPIError, MastodonNotFoundError, StreamListener

import flow_support
from flow_support import check, wait_for

BASE = sys.argv[1]


def log_in(login, password=None):
    return flow_support.log_in(BASE, "lists-flow", login, password)


class Collector(StreamListener):
    def __init__(self):
        super().__init__()
        self.updates = []

    def on_update(self, status):
        self.updates.append(str(status["id"]))


def main():
    alice = log_in("alice", "alice-password-1")
    bob = log_in("bob", "bob-password-1")
    bob_account = alice.account_lookup("bob")
    me = alice.account_verify_credentials()

    created = alice.list_create("Friends")
    check(created["title"] == "Friends", f"list_create: {created}")
    check(created["replies_policy"] == "list" and created["exclusive"] is False, f"defaults: {created}")
    check([str(l["id"]) for l in alice.lists()] == [str(created["id"])], "lists() shows the new list")

    # Only followed accounts may be members.
    try:
        alice.list_accounts_add(created, [bob_account["id"]])
        check(False, "adding an account alice does not follow was accepted")
    except MastodonAPIError as error:
        check(len(error.args) > 1 and error.args[1] == 422, f"not followed: {error.args}")

    alice.account_follow(bob_account["id"])
    alice.list_accounts_add(created, [bob_account["id"]])
    members = alice.list_accounts(created)
    check([m["acct"] for m in members] == ["bob"], f"list_accounts: {[m['acct'] for m in members]}")
    holding = alice.account_lists(bob_account["id"])
    check([str(l["id"]) for l in holding] == [str(created["id"])], f"account_lists: {holding}")

    # The list stream (Server-Sent Events) hears bob's post.
    collector = Collector()
    stream = alice.stream_list(created["id"], collector, run_async=True, timeout=30)
    time.sleep(0.5)
    posts = [bob.status_post(f"list post {i}", visibility="public") for i in range(5)]
    check(wait_for(lambda: str(posts[-1]["id"]) in collector.updates, 5), f"the list stream got bob's post: {collector.updates}")
    stream.close()

    # Someone alice does not follow never shows: alice's own post is not in the list.
    alice.status_post("not in my list", visibility="public")
    page = alice.timeline_list(created, limit=2)
    check([str(s["id"]) for s in page] == [str(p["id"]) for p in reversed(posts[-2:])], f"first page: {[s['id'] for s in page]}")
    seen = [str(s["id"]) for s in page]
    while True:
        page = alice.fetch_next(page)
        if not page:
            break
        seen.extend(str(s["id"]) for s in page)
    check(seen == [str(p["id"]) for p in reversed(posts)], f"walking the list timeline: {seen}")

    updated = alice.list_update(created, "Close friends", replies_policy="none", exclusive=True)
    check(updated["title"] == "Close friends" and updated["replies_policy"] == "none", f"list_update: {updated}")
    check(updated["exclusive"] is True, f"exclusive: {updated}")
    home = [str(s["id"]) for s in alice.timeline_home(limit=40)]
    check(not any(str(p["id"]) in home for p in posts), "an exclusive list's members leave the home timeline")

    # Bob cannot see alice's list.
    try:
        bob.list(created["id"])
        check(False, "bob read alice's list")
    except MastodonNotFoundError:
        pass

    alice.list_accounts_delete(created, [bob_account["id"]])
    check(len(alice.list_accounts(created)) == 0, "list_accounts_delete removed bob")
    check(len(alice.account_lists(bob_account["id"])) == 0, "bob is on no list of alice's")

    alice.list_delete(created)
    check(len(alice.lists()) == 0, "list_delete removed the list")
    try:
        alice.list(created["id"])
        check(False, "a deleted list is still there")
    except MastodonNotFoundError:
        pass
    check(me["username"] == "alice", "verify_credentials")
    print("lists flow: ok")


if __name__ == "__main__":
    main()
