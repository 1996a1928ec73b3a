"""Drives a real aerie instance's direct conversations, thread mutes and notification
requests with Mastodon.py 2.3.3's own methods: `stream_direct` (conversation events),
`conversations` (walked with `fetch_next`), `conversations_read`, `status_mute` /
`status_unmute`, `update_notifications_policy`, `notifications_policy`,
`notification_requests`, `notification_request`, `dismiss_notification_request`,
`accept_notification_request`, `notifications_merged`, `grouped_notification`,
`grouped_notification_accounts`, `dismiss_grouped_notification`.

Usage: python3 conversations_flow.py BASE_URL
The instance must have confirmed local accounts alice (password alice-password-1) and
bob (password bob-password-1). Run by tests/integration/api/conversations_client.rs on
both engines. Prints "conversations flow: ok" when every check passed; exits non-zero
with the failed check on stderr otherwise.
"""

import sys
import time

from mastodon import MastodonNotFoundError, StreamListener

import flow_support
from flow_support import check, wait_for

BASE = sys.argv[1]


def log_in(login, password=None):
    return flow_support.log_in(BASE, "conversations-flow", login, password)


class Conversations(StreamListener):
    def __init__(self):
        super().__init__()
        self.seen = []

    def on_conversation(self, conversation):
        self.seen.append(conversation)


def mentions_from(client, account_id):
    return [n for n in client.notifications(types=["mention"]) if str(n["account"]["id"]) == str(account_id)]


def main():
    alice = log_in("alice", "alice-password-1")
    bob = log_in("bob", "bob-password-1")
    alice_account = bob.account_lookup("alice")
    bob_account = alice.account_lookup("bob")
    bob.account_follow(alice_account["id"])

    # A direct message: a conversation on both sides, streamed to the recipient.
    listener = Conversations()
    stream = bob.stream_direct(listener, run_async=True, timeout=30)
    time.sleep(0.5)
    first = alice.status_post("@bob first secret", visibility="direct")
    check(wait_for(lambda: listener.seen, 10), "a conversation event on bob's direct stream")
    streamed = listener.seen[0]
    check(str(streamed["last_status"]["id"]) == str(first["id"]), f"streamed conversation: {streamed}")
    stream.close()
    conversations = bob.conversations()
    check(len(conversations) == 1, f"bob's conversations: {conversations}")
    theirs = conversations[0]
    check(theirs["unread"] is True, f"unread for the recipient: {theirs}")
    check([str(a["id"]) for a in theirs["accounts"]] == [str(alice_account["id"])], f"participants: {theirs}")
    check(str(theirs["id"]) == str(streamed["id"]), "the streamed conversation is the listed one")
    read = bob.conversations_read(theirs)
    check(read["unread"] is False, f"conversations_read: {read}")
    mine = alice.conversations()
    check(len(mine) == 1 and mine[0]["unread"] is False, f"alice's own conversation is read: {mine}")

    # Paging: a second thread, then walk alice's conversations one at a time.
    alice.status_post("@bob another thread", visibility="direct")
    page = alice.conversations(limit=1)
    check(len(page) == 1, f"first page: {page}")
    older = alice.fetch_next(page)
    check(older is not None and len(older) == 1, f"fetch_next: {older}")
    check(str(older[0]["last_status"]["id"]) == str(first["id"]), f"the older conversation: {older}")

    # A muted thread notifies nothing; unmuted, it does again.
    post = alice.status_post("a public thread")
    muted = alice.status_mute(post)
    check(muted["muted"] is True, f"status_mute: {muted}")
    bob.status_post("@alice a reply in the muted thread", in_reply_to_id=post["id"])
    time.sleep(0.3)
    check(not mentions_from(alice, bob_account["id"]), "no mention from a muted thread")
    unmuted = alice.status_unmute(post)
    check(unmuted["muted"] is False, f"status_unmute: {unmuted}")
    bob.status_post("@alice a reply after unmuting", in_reply_to_id=post["id"])
    check(len(mentions_from(alice, bob_account["id"])) == 1, "the reply after unmuting notifies")

    # Notification requests: alice filters accounts she does not follow.
    policy = alice.update_notifications_policy(for_not_following="filter")
    check(policy["for_not_following"] == "filter", f"update_notifications_policy: {policy}")
    check(alice.notifications_policy()["for_private_mentions"] == "filter", "Mastodon's default for private mentions")
    spam = bob.status_post("@alice first filtered mention")
    requests = alice.notification_requests()
    check(len(requests) == 1 and str(requests[0]["account"]["id"]) == str(bob_account["id"]), f"requests: {requests}")
    check(str(requests[0]["last_status"]["id"]) == str(spam["id"]), f"last_status: {requests[0]}")
    check(alice.notifications_policy()["summary"]["pending_requests_count"] == 1, "summary")
    alice.dismiss_notification_request(requests[0])
    check(alice.notification_requests() == [], "dismissed")
    try:
        alice.notification_request(requests[0]["id"])
        check(False, "a dismissed request is gone")
    except MastodonNotFoundError:
        pass
    check(len(mentions_from(alice, bob_account["id"])) == 1, "dismissed mentions never reach the list")

    bob.status_post("@alice second filtered mention")
    request = alice.notification_requests()[0]
    check(str(alice.notification_request(request["id"])["id"]) == str(request["id"]), "notification_request")
    alice.accept_notification_request(request)
    check(alice.notifications_merged() is True, "notifications_merged")
    check(len(mentions_from(alice, bob_account["id"])) == 2, "the accepted mention joined the list")
    bob.status_post("@alice after acceptance")
    check(alice.notification_requests() == [], "an accepted sender makes no new request")
    check(len(mentions_from(alice, bob_account["id"])) == 3, "an accepted sender's mentions are delivered")

    # One group of the grouped notifications: bob's favourite of alice's post.
    liked = alice.status_post("like me")
    bob.status_favourite(liked)
    groups = alice.grouped_notifications(types=["favourite"])
    key = groups["notification_groups"][0]["group_key"]
    group = alice.grouped_notification(key)
    check(group["notification_groups"][0]["notifications_count"] == 1, f"grouped_notification: {group}")
    accounts = alice.grouped_notification_accounts(key)
    check([str(a["id"]) for a in accounts] == [str(bob_account["id"])], f"grouped_notification_accounts: {accounts}")
    alice.dismiss_grouped_notification(key)
    check(alice.grouped_notifications(types=["favourite"])["notification_groups"] == [], "dismiss_grouped_notification")

    print("conversations flow: ok")


if __name__ == "__main__":
    main()
