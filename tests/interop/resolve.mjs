// Resolve a Fedipress site the way a Fedify-based server would, and print what it found as JSON.
//
//   node resolve.mjs http://127.0.0.1:8000 [--acct alice@127.0.0.1:8000]
//
// Fedify only asks WebFinger over https for acct: handles, so the JRD is fetched here over
// http; everything after it (actor, key, outbox, posts) goes through Fedify's own document
// loader and vocabulary parser, with private addresses allowed for 127.0.0.1.

import { parseArgs } from "node:util";
import { exportSpki, getDocumentLoader } from "@fedify/fedify";
import { isActor, lookupObject, traverseCollection } from "@fedify/fedify/vocab";

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { acct: { type: "string" }, posts: { type: "string", default: "50" } },
});
const site = (positionals[0] ?? "").replace(/\/+$/, "");
if (!site) {
  console.error("usage: node resolve.mjs SITE_URL [--acct user@host]");
  process.exit(2);
}

const documentLoader = getDocumentLoader({ allowPrivateAddress: true });
const result = { site, steps: [] };

function fail(step, detail) {
  result.error = { step, detail: String(detail?.message ?? detail) };
  console.log(JSON.stringify(result, null, 2));
  process.exit(1);
}

// 1. WebFinger (ask with ?resource= the way Mastodon does once the acct is known).
const wfBase = `${site}/.well-known/webfinger`;
let acct = opts.acct;
if (!acct) {
  const first = await fetch(wfBase, { headers: { Accept: "application/jrd+json" } }).catch((e) => fail("webfinger", e));
  if (!first.ok) fail("webfinger", `HTTP ${first.status}`);
  acct = (await first.json()).subject?.replace(/^acct:/, "");
}
const wfResponse = await fetch(`${wfBase}?resource=${encodeURIComponent(`acct:${acct}`)}`, {
  headers: { Accept: "application/jrd+json" }, redirect: "manual",
}).catch((e) => fail("webfinger", e));
if (wfResponse.status !== 200) fail("webfinger", `HTTP ${wfResponse.status}`);
const jrd = await wfResponse.json();
const self = (jrd.links ?? []).find((l) => l.rel === "self" && /activity\+json|ld\+json/.test(l.type ?? ""));
if (!self) fail("webfinger", "no rel=self link");
result.webfinger = {
  subject: jrd.subject, contentType: wfResponse.headers.get("content-type"), self: self.href,
};
result.steps.push("webfinger");

// 2. Actor, through Fedify.
const actor = await lookupObject(self.href, { documentLoader }).catch((e) => fail("actor", e));
if (actor == null || !isActor(actor)) fail("actor", `Fedify could not resolve an actor at ${self.href}`);
result.actor = {
  id: actor.id?.href, type: actor.constructor.name, preferredUsername: actor.preferredUsername?.toString(),
  name: actor.name?.toString() ?? null, inbox: actor.inboxId?.href ?? null,
  sharedInbox: actor.endpoints?.sharedInbox?.href ?? null, outbox: actor.outboxId?.href ?? null,
  followers: actor.followersId?.href ?? null, featured: actor.featuredId?.href ?? null,
  url: actor.url?.href ?? null, aliases: (actor.aliasIds ?? []).map((u) => u.href),
};
result.steps.push("actor");

// 3. Public key, parsed by Fedify into a WebCrypto key and exported back to PEM.
const key = await actor.getPublicKey({ documentLoader }).catch((e) => fail("key", e));
if (key?.publicKey == null) fail("key", "actor has no usable publicKey");
result.key = {
  id: key.id?.href, owner: key.ownerId?.href ?? null, algorithm: key.publicKey.algorithm.name,
  pem: await exportSpki(key.publicKey),
};
result.steps.push("key");

// 4. Outbox and its posts (Create activities), following pages.
const outbox = await actor.getOutbox({ documentLoader }).catch((e) => fail("outbox", e));
if (outbox == null) fail("outbox", "no outbox");
result.outbox = { id: outbox.id?.href, totalItems: outbox.totalItems ?? null, items: [] };
const limit = Number(opts.posts);
try {
  for await (const item of traverseCollection(outbox, { documentLoader })) {
    const object = await item.getObject?.({ documentLoader });
    result.outbox.items.push({
      type: item.constructor.name, id: item.id?.href ?? null, actor: item.actorId?.href ?? null,
      object: object == null ? null : {
        type: object.constructor.name, id: object.id?.href ?? null,
        url: object.url?.href ?? null, content: object.content?.toString() ?? null,
        name: object.name?.toString() ?? null, attributedTo: object.attributionId?.href ?? null,
      },
    });
    if (result.outbox.items.length >= limit) break;
  }
} catch (e) { fail("outbox", e); }
result.steps.push("outbox");

// 5. One post fetched on its own by id, as a remote server does when it sees a link.
const firstId = result.outbox.items.find((i) => i.object?.id)?.object.id;
if (firstId) {
  const post = await lookupObject(firstId, { documentLoader }).catch((e) => fail("post", e));
  if (post == null) fail("post", `Fedify could not resolve ${firstId}`);
  result.post = {
    type: post.constructor.name, id: post.id?.href, url: post.url?.href ?? null,
    content: post.content?.toString() ?? null, attributedTo: post.attributionId?.href ?? null,
  };
  result.steps.push("post");
}

console.log(JSON.stringify(result, null, 2));
