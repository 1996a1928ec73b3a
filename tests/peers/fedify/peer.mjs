// A small ActivityPub server built on Fedify (https://fedify.dev), an implementation
// nobody here wrote, used by tests/integration/federation/fedify_peer.rs as aerie's remote peer.
//
// It runs one actor, `bob`, on PEER_DOMAIN, serves Fedify's own actor, WebFinger,
// NodeInfo-less inbox and object routes, verifies the HTTP signatures of what arrives
// (Fedify's default) and signs what it sends (Fedify's default: RSA HTTP signatures plus
// Ed25519 object integrity proofs). Besides the federation routes it answers a few
// control routes under /_test/ that the test drives:
//
//   POST /_test/follow   {"acct": "alice@a.test"}  WebFinger, fetch, send Follow
//   POST /_test/unfollow {"acct": "alice@a.test", "follow": FOLLOW_ID}
//                                                       send Undo(Follow)
//   POST /_test/reply    {"inReplyTo": URL, "to": ACTOR_URL, "content": HTML}
//                                                       send Create(Note) to that actor
//   POST /_test/post     {"content": HTML}              send a public Create(Note) to
//                                                       bob's followers
//   GET  /_test/state                                   what bob's inbox received
//
// Environment: PEER_DOMAIN (e.g. f.test), PEER_PORT (loopback port to listen on, plain
// http), PEER_SCHEME (https, default: the peer is served behind a TLS terminator that
// forwards PEER_DOMAIN to PEER_PORT), PEER_RESOLVE ("a.test=127.0.0.1:8443,...").
// Every outbound connection goes through PEER_RESOLVE: the TCP connection goes to the
// address given there while TLS keeps the real host name (SNI and certificate check;
// Node trusts the test CA through NODE_EXTRA_CA_CERTS); any other host is refused, so
// the peer only ever talks to loopback. Fedify does WebFinger, actor fetches and
// deliveries itself, over https.

import http from "node:http";
import { randomUUID } from "node:crypto";
import { Agent, buildConnector, setGlobalDispatcher } from "undici";
import { Temporal } from "@js-temporal/polyfill";
import {
  Accept,
  Activity,
  Create,
  Endpoints,
  Follow,
  Mention,
  Note,
  Person,
  PUBLIC_COLLECTION,
  Undo,
  createFederation,
  generateCryptoKeyPair,
  isActor,
  MemoryKvStore,
} from "@fedify/fedify";

const DOMAIN = process.env.PEER_DOMAIN ?? "f.test";
const PORT = Number(process.env.PEER_PORT ?? "0");
const SCHEME = process.env.PEER_SCHEME ?? "https";
const USER = "bob";

// host → {host, port} on loopback.
const RESOLVE = new Map();
for (const entry of (process.env.PEER_RESOLVE ?? "").split(",").filter(Boolean)) {
  const [name, target] = entry.split("=");
  const colon = target.lastIndexOf(":");
  RESOLVE.set(name, { host: target.slice(0, colon), port: Number(target.slice(colon + 1)) });
}

// All of Node's fetch (which Fedify uses for documents, WebFinger and deliveries) goes
// through this connector: names in PEER_RESOLVE go to their loopback address (TLS still
// names and checks the real host), the rest is refused.
const connect = buildConnector({});
setGlobalDispatcher(
  new Agent({
    connect(options, callback) {
      const target = RESOLVE.get(options.hostname);
      if (!target) {
        callback(new Error(`peer: ${options.hostname} is not in PEER_RESOLVE; refusing to connect`), null);
        return;
      }
      const servername = options.servername || options.hostname;
      return connect({ ...options, hostname: target.host, port: target.port, servername }, callback);
    },
  }),
);

const log = (...args) => console.error("peer:", ...args);

// What the test inspects.
const state = {
  accepted: [], // ids of the Follow objects that were accepted
  followers: [], // actor URLs that follow bob
  notes: [], // Notes that arrived in Create activities
  updates: [],
  deletes: [],
  other: [], // types of anything else
};

const rsa = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
const ed25519 = await generateCryptoKeyPair("Ed25519");
const sentNotes = new Map(); // id → Note, served at its id
const followerInboxes = new Map(); // follower actor URL → its inbox and shared inbox

const federation = createFederation({
  kv: new MemoryKvStore(),
  origin: `${SCHEME}://${DOMAIN}`,
  // The peer's neighbours are on loopback: let Fedify's document loader reach them.
  allowPrivateAddress: true,
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== USER) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Bob on Fedify",
      summary: "A Fedify peer for aerie's tests",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      outbox: ctx.getOutboxUri(identifier),
      followers: ctx.getFollowersUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((key) => key.multikey),
      manuallyApprovesFollowers: false,
    });
  })
  .setKeyPairsDispatcher(async (_ctx, identifier) => (identifier === USER ? [rsa, ed25519] : []));

federation.setFollowersDispatcher("/users/{identifier}/followers", async (_ctx, identifier) => {
  if (identifier !== USER) return null;
  return {
    items: state.followers.map((id) => {
      const { inbox, sharedInbox } = followerInboxes.get(id);
      return { id: new URL(id), inboxId: new URL(inbox), endpoints: sharedInbox ? { sharedInbox: new URL(sharedInbox) } : null };
    }),
  };
});

federation.setOutboxDispatcher("/users/{identifier}/outbox", async () => ({ items: [] }));

federation.setObjectDispatcher(Note, "/notes/{id}", async (ctx, values) => sentNotes.get(values.id) ?? null);

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    if (follow.objectId?.href !== ctx.getActorUri(USER).href || follow.actorId == null) return;
    const follower = await follow.getActor();
    if (!isActor(follower)) return;
    if (!state.followers.includes(follower.id.href)) state.followers.push(follower.id.href);
    followerInboxes.set(follower.id.href, { inbox: follower.inboxId?.href, sharedInbox: follower.endpoints?.sharedInbox?.href });
    log("followed by", follower.id.href);
    await ctx.sendActivity(
      { identifier: USER },
      follower,
      new Accept({ id: new URL(`${SCHEME}://${DOMAIN}/accepts/${randomUUID()}`), actor: ctx.getActorUri(USER), object: follow }),
    );
  })
  .on(Accept, async (_ctx, accept) => {
    const followId = accept.objectId?.href;
    log("accept of", followId, "from", accept.actorId?.href);
    if (followId) state.accepted.push(followId);
  })
  .on(Undo, async (_ctx, undo) => {
    const object = await undo.getObject();
    if (object instanceof Follow) {
      state.followers = state.followers.filter((id) => id !== undo.actorId?.href);
      log("unfollowed by", undo.actorId?.href);
    } else {
      state.other.push(`Undo(${object?.constructor?.name})`);
    }
  })
  .on(Create, async (_ctx, create) => {
    const object = await create.getObject();
    if (!(object instanceof Note)) {
      state.other.push(`Create(${object?.constructor?.name})`);
      return;
    }
    const note = {
      activity: create.id?.href,
      actor: create.actorId?.href,
      id: object.id?.href,
      attributedTo: object.attributionId?.href,
      content: object.content?.toString(),
      to: object.toIds.map((u) => u.href),
      cc: object.ccIds.map((u) => u.href),
      inReplyTo: object.replyTargetId?.href ?? null,
      published: object.published?.toString() ?? null,
      url: object.url?.href ?? null,
    };
    log("note", note.id, "to", note.to, "cc", note.cc);
    state.notes.push(note);
  })
  .on(Activity, async (_ctx, activity) => {
    // Any other activity type (Update, Delete, Like, ...): remember its type.
    state.other.push(activity.constructor.name);
  })
  .onError(async (_ctx, error) => {
    log("inbox error:", error?.stack ?? error);
  });

async function lookupAcct(ctx, acct) {
  // Fedify's own acct: lookup: WebFinger over https, then the actor document.
  const actor = await ctx.lookupObject(`acct:${acct}`);
  if (!isActor(actor)) throw new Error(`acct:${acct} is not an actor: ${actor}`);
  return actor;
}

const control = {
  async follow(ctx, body) {
    const target = await lookupAcct(ctx, body.acct);
    const follow = new Follow({
      id: new URL(`${SCHEME}://${DOMAIN}/follows/${randomUUID()}`),
      actor: ctx.getActorUri(USER),
      object: target.id,
    });
    await ctx.sendActivity({ identifier: USER }, target, follow);
    state.lastFollow = { follow: follow.id.href, target: target.id.href, inbox: target.inboxId?.href };
    return { follow: follow.id.href, actor: target.id.href, inbox: target.inboxId?.href, preferredUsername: target.preferredUsername?.toString() };
  },
  async unfollow(ctx, body) {
    const target = await lookupAcct(ctx, body.acct);
    const followId = body.follow ?? state.lastFollow?.follow;
    const undo = new Undo({
      id: new URL(`${SCHEME}://${DOMAIN}/undos/${randomUUID()}`),
      actor: ctx.getActorUri(USER),
      object: new Follow({ id: followId ? new URL(followId) : null, actor: ctx.getActorUri(USER), object: target.id }),
    });
    await ctx.sendActivity({ identifier: USER }, target, undo);
    return { undo: undo.id.href };
  },
  async reply(ctx, body) {
    const target = await ctx.lookupObject(body.to);
    if (!isActor(target)) throw new Error(`${body.to} is not an actor`);
    const id = randomUUID();
    const note = new Note({
      id: ctx.getObjectUri(Note, { id }),
      attribution: ctx.getActorUri(USER),
      to: PUBLIC_COLLECTION,
      ccs: [target.id, ctx.getFollowersUri(USER)],
      content: body.content,
      replyTarget: new URL(body.inReplyTo),
      tags: [new Mention({ href: target.id, name: `@${target.preferredUsername}@${target.id.host}` })],
      published: Temporal.Now.instant(),
      url: ctx.getObjectUri(Note, { id }),
    });
    sentNotes.set(id, note);
    const create = new Create({
      id: new URL(`${note.id.href}/activity`),
      actor: ctx.getActorUri(USER),
      to: PUBLIC_COLLECTION,
      ccs: [target.id, ctx.getFollowersUri(USER)],
      object: note,
      published: note.published,
    });
    await ctx.sendActivity({ identifier: USER }, target, create);
    return { note: note.id.href };
  },
  async post(ctx, body) {
    const id = randomUUID();
    const note = new Note({
      id: ctx.getObjectUri(Note, { id }),
      attribution: ctx.getActorUri(USER),
      to: PUBLIC_COLLECTION,
      cc: ctx.getFollowersUri(USER),
      content: body.content,
      published: Temporal.Now.instant(),
      url: ctx.getObjectUri(Note, { id }),
    });
    sentNotes.set(id, note);
    const create = new Create({
      id: new URL(`${note.id.href}/activity`),
      actor: ctx.getActorUri(USER),
      to: PUBLIC_COLLECTION,
      cc: ctx.getFollowersUri(USER),
      object: note,
      published: note.published,
    });
    await ctx.sendActivity({ identifier: USER }, "followers", create, { preferSharedInbox: true });
    return { note: note.id.href, followers: state.followers };
  },
};

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const server = http.createServer(async (req, res) => {
  try {
    const body = await readBody(req);
    const url = new URL(req.url, `${SCHEME}://${req.headers.host ?? DOMAIN}`);
    if (url.pathname.startsWith("/_test/")) {
      const name = url.pathname.slice("/_test/".length);
      let answer;
      if (name === "state") {
        answer = state;
      } else if (req.method === "POST" && control[name]) {
        const ctx = federation.createContext(new URL(`${SCHEME}://${DOMAIN}/`), undefined);
        answer = await control[name](ctx, JSON.parse(body.toString() || "{}"));
      } else {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
      return;
    }
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) {
      for (const v of Array.isArray(value) ? value : [value]) headers.append(key, v);
    }
    const request = new Request(url, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
    });
    const response = await federation.fetch(request, {
      contextData: undefined,
      onNotFound: () => new Response("not found", { status: 404 }),
      onNotAcceptable: () => new Response("not acceptable", { status: 406 }),
    });
    log(req.method, req.url, "→", response.status);
    const out = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, Object.fromEntries(response.headers)).end(out);
  } catch (error) {
    log("error:", error?.stack ?? error);
    res.writeHead(500, { "content-type": "text/plain" }).end(String(error?.stack ?? error));
  }
});

server.listen(PORT, "127.0.0.1", () => {
  // The test reads this line to learn the port.
  console.log(`peer listening on http://127.0.0.1:${server.address().port}`);
});
