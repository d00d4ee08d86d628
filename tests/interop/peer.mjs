// A real Fedify server used as the independent fediverse peer in Fedipress interop tests.
//
//   node peer.mjs --port 0 [--host 127.0.0.1] [--first-knock rfc9421|draft-cavage-http-signatures-12]
//                 [--no-ed25519] [--username peer]
//
// One actor (/users/<username>) with an RSA key (HTTP signatures) and an Ed25519 key (object
// integrity proofs), an inbox that Fedify guards with real signature verification, and a JSON
// control API under /control/ on the same port (documented in docs/interop.md).
// Prints "READY <base url>" on stdout once it listens.

import http from "node:http";
import { Temporal } from "@js-temporal/polyfill";
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import {
  createFederation, generateCryptoKeyPair, MemoryKvStore, verifyObject,
} from "@fedify/fedify";
import {
  Accept, Activity, Announce, Object as APObject, Create, Delete, Endpoints, Follow, Like, Mention, Note,
  PUBLIC_COLLECTION, Person, Tombstone, Undo, Update,
} from "@fedify/fedify/vocab";

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    username: { type: "string", default: "peer" },
    "first-knock": { type: "string", default: "rfc9421" },
    "no-ed25519": { type: "boolean", default: false },
  },
});
const USER = args.username;

const received = [];   // activities that passed Fedify's signature verification
const rejected = [];   // inbox POSTs Fedify refused (status, body, headers)
const follows = new Map();    // target actor id -> our Follow
const likes = new Map();      // object id -> our Like
const announces = new Map();  // object id -> our Announce
const notes = new Map();      // note id -> { note, recipients }
const followers = new Map();  // follower actor id -> actor
const requestInfo = new AsyncLocalStorage();

const keyPairs = [await generateCryptoKeyPair("RSASSA-PKCS1-v1_5")];
if (!args["no-ed25519"]) keyPairs.push(await generateCryptoKeyPair("Ed25519"));

let federation; // created once the port is known, so the canonical origin is right
let base;

function buildFederation(origin) {
  const fed = createFederation({
    kv: new MemoryKvStore(),
    origin,
    allowPrivateAddress: true,
    firstKnock: args["first-knock"],
  });
  fed.setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== USER) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Fedify interop peer",
      summary: "An independent ActivityPub implementation (Fedify) used by tests.",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      followers: ctx.getFollowersUri(identifier),
      manuallyApprovesFollowers: false,
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((k) => k.multikey),
    });
  }).setKeyPairsDispatcher(async (_ctx, identifier) => (identifier === USER ? keyPairs : []));

  fed.setFollowersDispatcher("/users/{identifier}/followers", async (_ctx, identifier) => {
    if (identifier !== USER) return null;
    return { items: [...followers.keys()].map((id) => new URL(id)) };
  });

  fed.setObjectDispatcher(Note, "/notes/{id}", async (_ctx, values) => {
    const entry = notes.get(`${base}/notes/${values.id}`);
    return entry && !entry.deleted ? entry.note : null;
  });

  fed.setInboxListeners("/users/{identifier}/inbox", "/inbox")
    .on(Follow, async (ctx, follow) => {
      await record(ctx, follow);
      if (follow.objectId?.href !== ctx.getActorUri(USER).href) return;
      const follower = await follow.getActor();
      if (follower?.id == null) return;
      followers.set(follower.id.href, follower);
      await ctx.sendActivity({ identifier: USER }, follower, new Accept({
        id: new URL(`${base}/activities/${randomUUID()}`),
        actor: ctx.getActorUri(USER),
        object: follow,
      }));
    })
    .on(Undo, async (ctx, undo) => {
      await record(ctx, undo);
      if (undo.actorId) followers.delete(undo.actorId.href);
    })
    .on(Activity, async (ctx, activity) => { await record(ctx, activity); })
    .onError((_ctx, error) => { console.error("inbox listener error:", error); });
  return fed;
}

function summarise(value) {
  if (value == null) return null;
  if (value instanceof URL) return value.href;
  if (typeof value === "string") return value;
  if (typeof value === "object") {
    const out = { id: value.id ?? null, type: value.type ?? null };
    for (const k of ["content", "inReplyTo", "object", "actor", "name"]) {
      if (k in value) out[k] = summarise(value[k]);
    }
    return out;
  }
  return value;
}

async function record(ctx, activity) {
  const info = requestInfo.getStore() ?? {};
  let raw = null;
  try { raw = JSON.parse(info.body); } catch { raw = null; }
  if (raw == null) raw = await activity.toJsonLd({ format: "compact" });
  received.push({
    type: raw.type ?? activity.constructor.name,
    id: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    object: summarise(raw.object),
    inbox: info.path ?? null,
    signature_scheme: info.scheme ?? null,
    signed_key_id: info.keyId ?? null,
    raw,
  });
}

// --- control API -------------------------------------------------------------------------

class ControlError extends Error {
  constructor(status, error, detail) { super(detail); this.status = status; this.error = error; }
}

function ctxFor() { return federation.createContext(new URL(base), undefined); }
function me(ctx) { return ctx.getActorUri(USER); }
function newId(kind) { return new URL(`${base}/${kind}/${randomUUID()}`); }

function need(body, field) {
  const v = body[field];
  if (typeof v !== "string" || v === "") throw new ControlError(400, "missing_field", `${field} is required`);
  return v;
}

async function lookup(ctx, url) {
  const obj = await ctx.lookupObject(url);
  if (obj == null) throw new ControlError(404, "lookup_failed", `could not resolve ${url}`);
  return obj;
}

async function authorOf(ctx, obj) {
  if (obj.attributionId == null) return null;
  return await lookup(ctx, obj.attributionId.href);
}

async function send(ctx, recipients, activity) {
  const list = recipients.filter((r) => r != null);
  if (list.length === 0) throw new ControlError(400, "no_recipients", "nobody to deliver to");
  try {
    await ctx.sendActivity({ identifier: USER }, list, activity, { immediate: true });
  } catch (e) {
    throw new ControlError(502, "delivery_failed", String(e?.message ?? e));
  }
  return { ok: true, id: activity.id?.href, activity: await activity.toJsonLd({ format: "compact" }) };
}

const routes = {
  "GET /control/health": async () => ({ ok: true, actor: `${base}/users/${USER}` }),
  "GET /control/received": async (_b, url) => {
    const type = url.searchParams.get("type");
    return received.filter((a) => !type || a.type === type);
  },
  "GET /control/rejected": async () => rejected,
  "GET /control/followers": async () => [...followers.keys()],
  "POST /control/reset": async () => {
    received.length = 0; rejected.length = 0;
    for (const m of [follows, likes, announces, followers]) m.clear();
    return { ok: true };
  },
  "POST /control/follow": async (body) => {
    const ctx = ctxFor();
    const target = await lookup(ctx, need(body, "target"));
    const follow = new Follow({ id: newId("follows"), actor: me(ctx), object: target.id });
    follows.set(target.id.href, follow);
    return await send(ctx, [target], follow);
  },
  "POST /control/unfollow": async (body) => {
    const ctx = ctxFor();
    const target = await lookup(ctx, need(body, "target"));
    const follow = follows.get(target.id.href);
    if (!follow) throw new ControlError(409, "not_following", target.id.href);
    follows.delete(target.id.href);
    return await send(ctx, [target], new Undo({ id: newId("undos"), actor: me(ctx), object: follow }));
  },
  // FEP-8b32: verify the object integrity proofs of a document (fetched from `url`, or the
  // `document` given, e.g. a mirrored copy) the way Fedify does for what it receives.
  "POST /control/verify-object": async (body) => {
    const ctx = ctxFor();
    const doc = body.document ?? (await ctx.documentLoader(need(body, "url"))).document;
    const options = { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader };
    const proofs = Array.isArray(doc.proof) ? doc.proof.length : doc.proof == null ? 0 : 1;
    const obj = await verifyObject(APObject, doc, options);
    return { verified: obj != null, proofs, type: obj == null ? null : obj.constructor.name };
  },
  "POST /control/like": async (body) => {
    const ctx = ctxFor();
    const obj = await lookup(ctx, need(body, "object"));
    const like = new Like({ id: newId("likes"), actor: me(ctx), object: obj.id });
    likes.set(obj.id.href, like);
    return await send(ctx, [await authorOf(ctx, obj)], like);
  },
  "POST /control/unlike": async (body) => {
    const ctx = ctxFor();
    const obj = await lookup(ctx, need(body, "object"));
    const like = likes.get(obj.id.href);
    if (!like) throw new ControlError(409, "not_liked", obj.id.href);
    likes.delete(obj.id.href);
    return await send(ctx, [await authorOf(ctx, obj)], new Undo({ id: newId("undos"), actor: me(ctx), object: like }));
  },
  "POST /control/announce": async (body) => {
    const ctx = ctxFor();
    const obj = await lookup(ctx, need(body, "object"));
    const author = await authorOf(ctx, obj);
    const announce = new Announce({
      id: newId("announces"), actor: me(ctx), object: obj.id, published: Temporal.Now.instant(),
      to: PUBLIC_COLLECTION, ccs: [author?.id, ctx.getFollowersUri(USER)].filter(Boolean),
    });
    announces.set(obj.id.href, announce);
    return await send(ctx, [author], announce);
  },
  "POST /control/unannounce": async (body) => {
    const ctx = ctxFor();
    const obj = await lookup(ctx, need(body, "object"));
    const announce = announces.get(obj.id.href);
    if (!announce) throw new ControlError(409, "not_announced", obj.id.href);
    announces.delete(obj.id.href);
    return await send(ctx, [await authorOf(ctx, obj)], new Undo({ id: newId("undos"), actor: me(ctx), object: announce }));
  },
  "POST /control/reply": async (body) => {
    const ctx = ctxFor();
    const inReplyTo = need(body, "inReplyTo");
    const parent = await lookup(ctx, inReplyTo);
    const recipient = body.to ? await lookup(ctx, body.to) : await authorOf(ctx, parent);
    const direct = body.visibility === "direct";
    const noteId = newId("notes");
    const note = new Note({
      id: noteId, attribution: me(ctx), replyTarget: parent.id,
      content: body.content ?? "a reply from the Fedify peer",
      published: Temporal.Now.instant(),
      url: noteId,
      to: direct ? recipient.id : PUBLIC_COLLECTION,
      ccs: direct ? [] : [recipient.id, ctx.getFollowersUri(USER)],
      tags: [new Mention({ href: recipient.id, name: recipient.preferredUsername ?? recipient.id.href })],
    });
    notes.set(noteId.href, { note, recipients: [recipient] });
    const create = new Create({
      id: new URL(`${noteId.href}#create`), actor: me(ctx), object: note,
      to: note.toId, ccs: note.ccIds, published: note.published,
    });
    return await send(ctx, [recipient], create);
  },
  "POST /control/update-note": async (body) => {
    const ctx = ctxFor();
    const entry = notes.get(need(body, "id"));
    if (!entry || entry.deleted) throw new ControlError(404, "unknown_note", body.id);
    entry.note = entry.note.clone({ content: need(body, "content"), updated: Temporal.Now.instant() });
    const update = new Update({
      id: newId("updates"), actor: me(ctx), object: entry.note,
      to: entry.note.toId, ccs: entry.note.ccIds,
    });
    return await send(ctx, entry.recipients, update);
  },
  "POST /control/delete": async (body) => {
    const ctx = ctxFor();
    const entry = notes.get(need(body, "id"));
    if (!entry || entry.deleted) throw new ControlError(404, "unknown_note", body.id);
    entry.deleted = true;
    const del = new Delete({
      id: newId("deletes"), actor: me(ctx),
      object: new Tombstone({ id: entry.note.id }),
      to: PUBLIC_COLLECTION,
    });
    return await send(ctx, entry.recipients, del);
  },
  // Sign and deliver any activity JSON (its actor must be the peer) to one inbox URL.
  "POST /control/send": async (body) => {
    const ctx = ctxFor();
    const inbox = new URL(need(body, "inbox"));
    if (typeof body.activity !== "object" || body.activity == null) {
      throw new ControlError(400, "missing_field", "activity is required");
    }
    const activity = await Activity.fromJsonLd(body.activity, {
      documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader,
    });
    return await send(ctx, [{ id: inbox, inboxId: inbox }], activity);
  },
};

// --- HTTP edge ---------------------------------------------------------------------------

function json(res, status, value) {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { "content-type": "application/json", "content-length": body.length });
  res.end(body);
}

async function handle(req, res) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  const url = new URL(req.url, `http://${req.headers.host ?? `${args.host}`}`);
  if (url.pathname.startsWith("/control/")) {
    const route = routes[`${req.method} ${url.pathname}`];
    if (!route) return json(res, 404, { error: "not_found", detail: url.pathname });
    let parsed = {};
    if (body.length) {
      try { parsed = JSON.parse(body.toString("utf8")); } catch (e) {
        return json(res, 400, { error: "bad_json", detail: String(e.message) });
      }
    }
    try {
      return json(res, 200, await route(parsed, url));
    } catch (e) {
      if (e instanceof ControlError) return json(res, e.status, { error: e.error, detail: e.message });
      return json(res, 500, { error: "peer_error", detail: String(e?.stack ?? e) });
    }
  }
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    headers.set(k, Array.isArray(v) ? v.join(", ") : v);
  }
  const hasBody = !["GET", "HEAD"].includes(req.method);
  const request = new Request(url, { method: req.method, headers, body: hasBody ? body : undefined });
  const info = {
    body: body.toString("utf8"), path: url.pathname,
    scheme: headers.has("signature-input") ? "rfc9421" : headers.has("signature") ? "cavage" : null,
    keyId: /keyid="([^"]+)"/i.exec(headers.get("signature-input") ?? headers.get("signature") ?? "")?.[1],
  };
  const response = await requestInfo.run(info, () => federation.fetch(request, { contextData: undefined }));
  const out = Buffer.from(await response.arrayBuffer());
  if (req.method === "POST" && response.status >= 400) {
    rejected.push({
      status: response.status, path: url.pathname, body: out.toString("utf8"),
      signature_scheme: info.scheme, activity: (() => { try { return JSON.parse(info.body); } catch { return null; } })(),
    });
  }
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(out);
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((e) => {
    console.error(e);
    if (!res.headersSent) json(res, 500, { error: "peer_error", detail: String(e) });
  });
});
server.listen(Number(args.port), args.host, () => {
  const { port } = server.address();
  const host = args.host.includes(":") ? `[${args.host}]` : args.host;
  base = `http://${host}:${port}`;
  federation = buildFederation(base);
  console.log(`READY ${base}`);
});
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)));
