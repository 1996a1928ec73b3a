"""Drives a real aerie instance with Mastodon.py (a client library nobody here wrote).

Usage: python3 mastodon_py_flow.py BASE_URL
The instance must have confirmed local accounts alice (password alice-password-1) and
bob (password bob-password-1). Run by tests/integration/api/clients.rs on both engines.
Exits non-zero with the failed check on stderr.
"""

import html.parser
import struct
import sys
import threading
import time
import zlib

import requests
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError, StreamListener

BASE = sys.argv[1]
OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = ["read", "write", "follow", "push"]


def check(condition, message):
    if not condition:
        print(f"FAILED: {message}", file=sys.stderr)
        sys.exit(1)


class FormReader(html.parser.HTMLParser):
    """Collects the authorize form's action and input fields, as a browser would."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.fields = {}
        self.code = None
        self._in_code = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action")
        elif tag == "input" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value", "")
        elif tag == "code" and attrs.get("id") == "code":
            self._in_code = True

    def handle_data(self, data):
        if self._in_code:
            self.code = (self.code or "") + data

    def handle_endtag(self, tag):
        if tag == "code":
            self._in_code = False


def log_in_with_browser_form(client, login, password):
    """Authorization code flow: open the authorize page, fill the form, read the code."""
    url = client.auth_request_url(redirect_uris=OOB, scopes=SCOPES, allow_http=True)
    page = requests.get(url, timeout=30)
    check(page.status_code == 200, f"authorize page answered {page.status_code}")
    form = FormReader()
    form.feed(page.text)
    check(form.action is not None and "password" in form.fields, "the authorize page has a login form")
    form.fields.update({"login": login, "password": password, "decision": "allow"})
    answer = requests.post(BASE + form.action, data=form.fields, timeout=30)
    check(answer.status_code == 200, f"submitting the form answered {answer.status_code}: {answer.text[:200]}")
    shown = FormReader()
    shown.feed(answer.text)
    check(shown.code, "the out-of-band page shows the code")
    return client.log_in(code=shown.code.strip(), redirect_uri=OOB, scopes=SCOPES, allow_http=True)


class Collector(StreamListener):
    def __init__(self):
        super().__init__()
        self.updates = {}
        self.notifications = []

    def on_update(self, status):
        self.updates[str(status["id"])] = time.monotonic()

    def on_notification(self, notification):
        self.notifications.append(notification)


def wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def png(width, height):
    """A small RGB PNG, red on the left and blue on the right (standard library only)."""
    rows = b"".join(b"\x00" + b"".join(b"\xdc\x1e\x1e" if x < width // 2 else b"\x1e\x1e\xdc" for x in range(width)) for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def main():
    client_id, client_secret = Mastodon.create_app("mastodon-py-flow", api_base_url=BASE, redirect_uris=OOB, scopes=SCOPES)

    alice = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=BASE, version_check_mode="created")
    alice.log_in("alice@social.test", "alice-password-1", scopes=SCOPES, allow_http=True)
    bob = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=BASE, version_check_mode="created")
    log_in_with_browser_form(bob, "bob", "bob-password-1")

    me = alice.account_verify_credentials()
    check(me["username"] == "alice", f"verify_credentials: {me['username']}")
    bob_account = alice.account_lookup("bob")
    check(bob_account["acct"] == "bob", f"lookup: {bob_account['acct']}")

    relationship = bob.account_follow(me["id"])
    check(relationship["following"], "bob follows alice")

    # Streaming over Server-Sent Events: an update reaches bob's user stream quickly.
    check(bob.stream_healthy(), "the streaming API says it is healthy")
    collector = Collector()
    stream = bob.stream_user(collector, run_async=True, timeout=30)
    time.sleep(0.5)

    post = alice.status_post("hello #aerie world, @bob", visibility="public")
    posted_at = time.monotonic()
    check("aerie" in [t["name"] for t in post["tags"]], f"tags: {post['tags']}")
    check([m["acct"] for m in post["mentions"]] == ["bob"], f"mentions: {post['mentions']}")
    check(wait_for(lambda: str(post["id"]) in collector.updates, 5), "the update arrived on bob's user stream")
    latency = collector.updates[str(post["id"])] - posted_at
    check(latency < 1.0, f"the update took {latency:.3f} s to arrive")
    check(wait_for(lambda: any(n["type"] == "mention" for n in collector.notifications), 5), "the mention notification streamed")
    stream.close()

    reply = bob.status_reply(post, "nice post")
    check(str(reply["in_reply_to_id"]) == str(post["id"]), "reply threading")
    context = alice.status_context(post["id"])
    check(str(reply["id"]) in [str(s["id"]) for s in context["descendants"]], "the reply is in the context")

    bob.status_reblog(post["id"])
    favourited = bob.status_favourite(post["id"])
    check(favourited["favourited"] and favourited["favourites_count"] == 1, "favourite")
    bob.status_bookmark(post["id"])
    check([str(s["id"]) for s in bob.bookmarks()][:1] == [str(post["id"])], "bookmarks")

    kinds = {n["type"] for n in alice.notifications()}
    for kind in ("follow", "mention", "reblog", "favourite"):
        check(kind in kinds, f"alice has a {kind} notification (has {sorted(kinds)})")

    # Paging through the home timeline with Link headers.
    for i in range(25):
        alice.status_post(f"status number {i}", visibility="public")
    first = bob.timeline_home(limit=20)
    check(len(first) == 20, f"first page has {len(first)}")
    second = bob.fetch_next(first)
    check(second is not None and len(second) >= 6, "the next page follows the Link header")
    ids = [int(s["id"]) for s in list(first) + list(second)]
    check(ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids), "pages are newest first, without overlap")

    # Edit with history, then delete (the source comes back for redrafting).
    edited = alice.status_update(post["id"], status="hello #aerie world, edited")
    check(edited["edited_at"] is not None and "edited" in edited["content"], "edit")
    history = alice.status_history(post["id"])
    check(len(history) >= 2, f"history has {len(history)} versions")
    deleted = alice.status_delete(post["id"])
    check("edited" in (deleted.get("text") or ""), "delete returns the source text")
    try:
        alice.status(post["id"])
        check(False, "a deleted status is gone")
    except MastodonNotFoundError:
        pass

    # Followers-only posts: bob (a follower) sees it; an anonymous client does not.
    private = alice.status_post("only for followers", visibility="private")
    check(str(bob.status(private["id"])["id"]) == str(private["id"]), "a follower sees a followers-only post")
    anonymous = Mastodon(api_base_url=BASE)
    try:
        anonymous.status(private["id"])
        check(False, "anonymous must not see a followers-only post")
    except MastodonNotFoundError:
        pass

    # Media: a v2 upload (Mastodon.py waits for the url), a new description, a post with it.
    picture = png(48, 32)
    media = alice.media_post(picture, mime_type="image/png", description="A flag", focus=(0.5, -0.25), file_name="flag.png", synchronous=True)
    check(media["type"] == "image" and media["url"], f"upload: {media}")
    check(media["meta"]["original"]["width"] == 48 and media["meta"]["original"]["height"] == 32, f"meta: {media['meta']}")
    check(media["blurhash"], "a blurhash")
    described = alice.media_update(media, description="A red and blue flag")
    check(described["description"] == "A red and blue flag", f"media_update: {described['description']}")
    with_media = alice.status_post("a picture", media_ids=[media], visibility="public")
    attached = with_media["media_attachments"]
    check([str(m["id"]) for m in attached] == [str(media["id"])], f"media_attachments: {attached}")
    check(attached[0]["description"] == "A red and blue flag", "the description is on the status")
    seen_by_bob = bob.status(with_media["id"])["media_attachments"][0]
    check(requests.get(seen_by_bob["url"], timeout=30).content == picture, "the file at its url is the upload")
    check(str(bob.timeline_public(only_media=True)[0]["id"]) == str(with_media["id"]), "only_media")

    # Profile pictures: an avatar sent with update_credentials (multipart, beside a text
    # field), shown to others and served at its url; a file that is no picture is a 422;
    # DELETE /api/v1/profile/avatar (Mastodon 4.2) brings the default back.
    avatar = png(64, 64)
    updated = alice.account_update_credentials(display_name="Alice Aerie", avatar=avatar, avatar_mime_type="image/png")
    check(updated["display_name"] == "Alice Aerie", f"display_name: {updated['display_name']}")
    check("/system/accounts/avatars/" in updated["avatar"] and updated["avatar"].endswith(".png"), f"avatar: {updated['avatar']}")
    check(updated["avatar_static"] == updated["avatar"], f"avatar_static: {updated['avatar_static']}")
    check(requests.get(updated["avatar"], timeout=30).content == avatar, "the avatar at its url is the upload")
    check(bob.account(me["id"])["avatar"] == updated["avatar"], "bob sees the new avatar")
    try:
        alice.account_update_credentials(header=b"plain words, not a picture", header_mime_type="image/png")
        check(False, "a header that is no picture is refused")
    except MastodonAPIError as error:
        check(422 in error.args, f"a header that is no picture: {error.args}")
    removed = alice.account_delete_avatar()
    check(removed["avatar"].endswith("/avatars/original/missing.png"), f"after removing: {removed['avatar']}")
    check(requests.get(updated["avatar"], timeout=30).status_code == 404, "the removed avatar's file is gone")

    print("mastodon.py flow: ok")


threading.excepthook = lambda args: None
main()
