// Drives a real aerie instance with masto.js 7.12 (a client library nobody here wrote):
// app registration and password login through its OAuth client, WebSocket streaming
// with the token as Sec-WebSocket-Protocol, subscribe messages, hashtag streams,
// delete events, paging with its paginator, favourites and notifications, and a v2
// media upload (masto polls GET /api/v1/media/:id) posted with a status.
//
// Usage: node masto_flow.mjs BASE_URL   (accounts alice and bob exist, as for
// mastodon_py_flow.py). Run by tests/integration/api/clients.rs on both engines.

import { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient } from "masto";
import WebSocket from "ws";

const BASE = process.argv[2];

function check(condition, message) {
  if (!condition) {
    console.error(`FAILED: ${message}`);
    process.exit(1);
  }
}

async function logIn(app, username, password) {
  const oauth = createOAuthAPIClient({ url: BASE });
  const token = await oauth.token.create({
    grantType: "password",
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    username,
    password,
    scope: "read write follow",
  });
  check(token.scope === "read write follow", `token scope ${token.scope}`);
  return { client: createRestAPIClient({ url: BASE, accessToken: token.accessToken, timeout: 30_000 }), token: token.accessToken };
}

/** Starts reading `subscription` at once (masto subscribes when iteration starts) and
 * keeps every event, so later checks can wait for one. */
function collect(subscription) {
  const events = [];
  (async () => {
    try {
      for await (const event of subscription) events.push(event);
    } catch (error) {
      events.push({ event: "error", payload: String(error) });
    }
  })();
  return events;
}

/** Waits until `events` holds one matching `predicate`. */
async function nextEvent(events, predicate, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const found = events.find(predicate);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
  return events.find(predicate) ?? null;
}

const anonymous = createRestAPIClient({ url: BASE });
const app = await anonymous.v1.apps.create({ clientName: "masto-flow", redirectUris: "urn:ietf:wg:oauth:2.0:oob", scopes: "read write follow" });
const { client: alice } = await logIn(app, "alice@social.test", "alice-password-1");
const { client: bob, token: bobToken } = await logIn(app, "bob@social.test", "bob-password-1");

const instance = await anonymous.v2.instance.fetch();
check(instance.configuration.urls.streaming.startsWith("ws://"), `streaming URL ${instance.configuration.urls.streaming}`);
const me = await alice.v1.accounts.verifyCredentials();
const bobMe = await bob.v1.accounts.verifyCredentials();
await bob.v1.accounts.$select(me.id).follow();

// WebSocket streaming: the token travels as the protocol and must be echoed.
const streaming = createStreamingAPIClient({
  streamingApiUrl: instance.configuration.urls.streaming,
  accessToken: bobToken,
  implementation: WebSocket,
  retry: false,
});
const user = collect(streaming.user.subscribe());
const tagged = collect(streaming.hashtag.subscribe({ tag: "aerie" }));
// masto waits one backoff step (1 s) before it first connects.
await new Promise((r) => setTimeout(r, 2000));

const post = await alice.v1.statuses.create({ status: "streaming over #aerie websockets", visibility: "public" });
const postedAt = Date.now();
const update = await nextEvent(user, (e) => e.event === "update" && e.payload.id === post.id, 5000);
check(update !== null, `the update reached bob's user stream over WebSocket (saw ${JSON.stringify(user).slice(0, 300)})`);
const latency = Date.now() - postedAt;
check(latency < 1000, `the update took ${latency} ms`);
check(update.payload.account.id === me.id, "the payload is a rendered status");
const hashtagEvent = await nextEvent(tagged, (e) => e.event === "update" && e.payload.id === post.id, 5000);
check(hashtagEvent !== null, "the update reached the hashtag stream");

// Notifications stream as the API renders them.
await alice.v1.statuses.create({ status: `hi @${bobMe.username}`, visibility: "public" });
const mention = await nextEvent(user, (e) => e.event === "notification" && e.payload.type === "mention", 5000);
check(mention !== null, "the mention notification streamed");

// Favourite, then alice sees the notification.
await bob.v1.statuses.$select(post.id).favourite();
const notifications = await alice.v1.notifications.list({ limit: 10 });
check(notifications.some((n) => n.type === "favourite" && n.status.id === post.id), "alice is notified of the favourite");

// Paging with masto's paginator (follows the Link header).
for (let i = 0; i < 7; i++) await alice.v1.statuses.create({ status: `page filler ${i}` });
const seen = [];
for await (const page of bob.v1.timelines.home.list({ limit: 3 })) {
  seen.push(...page.map((s) => s.id));
  if (seen.length >= 9) break;
}
check(seen.length >= 9 && new Set(seen).size === seen.length, `paging gave ${seen.length} distinct statuses`);

// A delete streams the id.
await alice.v1.statuses.$select(post.id).remove();
const deleted = await nextEvent(user, (e) => e.event === "delete" && e.payload === post.id, 5000);
check(deleted !== null, "the delete reached the stream");

// Followers-only posts stay out of the public hashtag stream.
await alice.v1.statuses.create({ status: "private #aerie thoughts", visibility: "private" });
const leaked = await nextEvent(tagged, (e) => e.event === "update" && e.payload.content.includes("private"), 1500);
check(leaked === null, "a followers-only post must not reach the hashtag stream");

// Media: masto uploads through v2 and polls GET /api/v1/media/:id until the url is set.
const png = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAQAAAADCAIAAAA7ljmRAAAAE0lEQVR4nGO4IycHRGDiDgNODgAAJg0hKMDujgAAAABJRU5ErkJggg==",
  "base64",
);
const media = await alice.v2.media.create({ file: new Blob([png], { type: "image/png" }), description: "A tiny picture" });
check(media.url && media.type === "image" && media.description === "A tiny picture", `upload: ${JSON.stringify(media)}`);
const withMedia = await alice.v1.statuses.create({ status: "look", mediaIds: [media.id] });
check(withMedia.mediaAttachments.length === 1 && withMedia.mediaAttachments[0].id === media.id, "the status carries the upload");
const served = Buffer.from(await (await fetch(withMedia.mediaAttachments[0].url)).arrayBuffer());
check(served.equals(png), "the file at its url is the upload");

streaming.close();
console.log("masto flow: ok");
process.exit(0);
