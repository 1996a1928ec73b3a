"""Drives what a client calls as it starts, with Mastodon.py 2.3.3's own methods:
announcements (read, react, dismiss), trends, follow suggestions, the profile
directory, preferences and the instance's texts and languages.

Usage: python3 instance_flow.py BASE_URL
The instance must have confirmed local accounts alice, bob and carol (password
NAME-password-1) and one announcement mentioning #aerie. Run by
tests/integration/api/instance_client.rs on both engines. Prints "instance flow: ok"
when every check passed; exits non-zero with the failed check on stderr otherwise.
"""

import sys

import flow_support
from flow_support import check

BASE = sys.argv[1]


def log_in(login, password=None):
    return flow_support.log_in(BASE, "instance-flow", login, password)


def main():
    alice, bob, carol = log_in("alice"), log_in("bob"), log_in("carol")
    for client in (alice, bob, carol):
        client.account_update_credentials(discoverable=True)

    # Announcements.
    announcements = alice.announcements()
    check(len(announcements) == 1, f"announcements: {announcements}")
    announcement = announcements[0]
    check("#" in announcement["content"] and announcement["tags"][0]["name"] == "aerie", f"content: {announcement}")
    check(announcement["read"] is False, f"unread: {announcement}")
    alice.announcement_reaction_create(announcement, "🎉")
    bob.announcement_reaction_create(announcement, "🎉")
    reactions = alice.announcements()[0]["reactions"]
    check(len(reactions) == 1 and reactions[0]["name"] == "🎉" and reactions[0]["count"] == 2 and reactions[0]["me"], f"reactions: {reactions}")
    alice.announcement_reaction_delete(announcement, "🎉")
    reactions = alice.announcements()[0]["reactions"]
    check(reactions[0]["count"] == 1 and not reactions[0]["me"], f"after delete: {reactions}")
    alice.announcement_dismiss(announcement)
    check(alice.announcements()[0]["read"] is True, "dismissed for alice")
    check(bob.announcements()[0]["read"] is False, "not for bob")

    # Trends: a hashtag two accounts used publicly, a status favourited.
    first = alice.status_post("Trying #fediverse things", visibility="public")
    bob.status_post("Me too #Fediverse", visibility="public")
    carol.status_post("Quiet #hidden", visibility="private")
    bob.status_post("Also #hidden", visibility="private")
    tags = bob.trending_tags()
    check([t["name"] for t in tags] == ["fediverse"], f"trending_tags: {tags}")
    check(len(tags[0]["history"]) == 7 and tags[0]["history"][0]["accounts"] == "2", f"history: {tags[0]}")
    bob.status_favourite(first)
    statuses = carol.trending_statuses()
    check([s["id"] for s in statuses] == [first["id"]], f"trending_statuses: {statuses}")
    check(bob.trending_links() == [], "trending_links")

    # Suggestions and the directory.
    me = alice.me()
    bob_account = alice.account_lookup("bob")
    carol_account = alice.account_lookup("carol")
    alice.account_follow(bob_account)
    bob.account_follow(carol_account)
    suggested = alice.suggestions()
    check([a["username"] for a in suggested] == ["carol"], f"suggestions: {suggested}")
    alice.suggestion_delete(carol_account)
    check(alice.suggestions() == [], "suggestion_delete")
    directory = carol.directory(order="new", local=True)
    check([a["username"] for a in directory] == ["carol", "bob", "alice"], f"directory: {directory}")
    check(all(a["id"] != me["id"] for a in carol.directory(order="active", limit=2)), "directory limit")

    # Preferences.
    alice.account_update_credentials(default_privacy="private", default_sensitive=True, default_language="nl")
    prefs = alice.preferences()
    check(prefs["posting:default:visibility"] == "private", f"preferences: {prefs}")
    check(prefs["posting:default:sensitive"] is True and prefs["posting:default:language"] == "nl", f"preferences: {prefs}")
    # Mastodon.py always sends `sensitive`, so only visibility and language default here.
    posted = alice.status_post("With my defaults")
    check(posted["visibility"] == "private" and posted["language"] == "nl", f"defaults: {posted}")

    # The instance.
    check(bob.instance_extended_description()["content"] == "", "extended_description")
    languages = bob.instance_languages()
    check(any(l["code"] == "en" and l["name"] == "English" for l in languages), "instance_languages")
    check(bob.instance_translation_languages() == {}, "translation_languages")
    try:
        bob.status_translate(first)
        check(False, "status_translate should fail")
    except Exception as error:
        check("no translation service" in str(error), f"status_translate: {error}")

    print("instance flow: ok")


if __name__ == "__main__":
    main()
