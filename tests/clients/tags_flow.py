"""Drives a real aerie instance's hashtags and endorsements with Mastodon.py 2.3.3:
look a tag up, follow it and see a public status with it (and not a private one)
in the home timeline, list and page followed tags, unfollow; featured tags
(suggestions, create, list, an account's, delete); endorse and un-endorse an
account; several accounts at once.

Usage: python3 tags_flow.py BASE_URL
The instance must have confirmed local accounts alice (password alice-password-1) and
bob (password bob-password-1). Run by tests/integration/api/tags_client.rs on both
engines. Prints "tags flow: ok" when every check passed; exits non-zero with the
failed check on stderr otherwise.
"""

import sys

from mastodon import MastodonAPIError

import flow_support
from flow_support import check

BASE = sys.argv[1]


def log_in(login, password=None):
    return flow_support.log_in(BASE, "tags-flow", login, password)


def ids(items):
    return [str(item["id"]) for item in items]


def main():
    alice = log_in("alice", "alice-password-1")
    bob = log_in("bob", "bob-password-1")
    me = alice.account_verify_credentials()
    bob_account = alice.account_lookup("bob")

    # A tag: history and following.
    tag = alice.tag("fediverse")
    check(tag["name"] == "fediverse" and tag["following"] is False, f"tag: {tag}")
    check(len(tag["history"]) == 7, f"history: {tag['history']}")

    followed = alice.tag_follow("fediverse")
    check(followed["following"] is True, f"tag_follow: {followed}")
    public = bob.status_post("hello #fediverse", visibility="public")
    private = bob.status_post("only followers #fediverse", visibility="private")
    home = ids(alice.timeline_home(limit=40))
    check(str(public["id"]) in home, f"a followed tag's public status is home: {home}")
    check(str(private["id"]) not in home, "a private status of someone alice does not follow stays out")
    check(int(alice.tag("fediverse")["history"][0]["uses"]) == 1, "today's use is counted")

    # Followed tags, paged with fetch_next.
    for name in ["cats", "dogs"]:
        alice.tag_follow(name)
    page = alice.followed_tags(limit=2)
    names = [t["name"] for t in page]
    check(names == ["dogs", "cats"], f"followed_tags first page: {names}")
    rest = alice.fetch_next(page)
    check(rest is not None and [t["name"] for t in rest] == ["fediverse"], f"followed_tags next page: {rest}")

    unfollowed = alice.tag_unfollow("fediverse")
    check(unfollowed["following"] is False, f"tag_unfollow: {unfollowed}")
    check(str(public["id"]) not in ids(alice.timeline_home(limit=40)), "unfollowed: the status left home")

    # Featured tags.
    alice.status_post("I like #Knitting", visibility="public")
    alice.status_post("more #knitting", visibility="public")
    suggestions = [t["name"] for t in alice.featured_tag_suggestions()]
    check(suggestions == ["Knitting"], f"featured_tag_suggestions: {suggestions}")
    featured = alice.featured_tag_create("knitting")
    check(featured["name"] == "Knitting" and int(featured["statuses_count"]) == 2, f"featured_tag_create: {featured}")
    try:
        alice.featured_tag_create("knitting")
        check(False, "featuring a tag twice was accepted")
    except MastodonAPIError as error:
        check(len(error.args) > 1 and error.args[1] == 422, f"twice: {error.args}")
    check(ids(alice.featured_tags()) == [str(featured["id"])], "featured_tags lists it")
    theirs = bob.account_featured_tags(me["id"])
    check([t["name"] for t in theirs] == ["Knitting"], f"account_featured_tags: {theirs}")
    alice.featured_tag_delete(featured["id"])
    check(len(alice.featured_tags()) == 0, "featured_tag_delete removed it")

    # Endorsements.
    try:
        alice.account_pin(bob_account["id"])
        check(False, "endorsing an account alice does not follow was accepted")
    except MastodonAPIError as error:
        check(len(error.args) > 1 and error.args[1] == 422, f"not followed: {error.args}")
    alice.account_follow(bob_account["id"])
    relationship = alice.account_pin(bob_account["id"])
    check(relationship["endorsed"] is True, f"account_pin: {relationship}")
    check(ids(alice.endorsements()) == [str(bob_account["id"])], "endorsements lists bob")
    relationship = alice.account_unpin(bob_account["id"])
    check(relationship["endorsed"] is False, f"account_unpin: {relationship}")
    check(len(alice.endorsements()) == 0, "no endorsements left")

    # Several accounts at once.
    both = alice.accounts([bob_account["id"], me["id"]])
    check([a["acct"] for a in both] == ["bob", "alice"], f"accounts: {both}")

    print("tags flow: ok")


if __name__ == "__main__":
    main()
