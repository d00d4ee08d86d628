-- Webhooks: one hook per (local actor, event name), and a durable queue of calls to make.

-- The hook a local actor set for one event (names in inbox.webhooks.envelope.EVENTS).
-- `secret` signs every call (HMAC-SHA256); it is stored because it must be used, never shown.
CREATE TABLE webhooks (
    actor_mention TEXT NOT NULL,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    method TEXT NOT NULL DEFAULT 'POST',
    headers TEXT NOT NULL DEFAULT '{}',
    secret TEXT NOT NULL,
    format TEXT NOT NULL DEFAULT 'envelope',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (actor_mention, name)
);

-- One row per call to make. The envelope is fixed when the event happens; the hook's current
-- URL, secret and format are read at send time (a removed hook stops its pending calls).
-- state: pending | delivered | failed.
CREATE TABLE webhook_calls (
    delivery_id TEXT PRIMARY KEY,
    actor_mention TEXT NOT NULL,
    name TEXT NOT NULL,
    envelope TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    lease_owner TEXT,
    lease_expires_at REAL,
    last_status INTEGER,
    last_error TEXT,
    created_at REAL NOT NULL,
    finished_at REAL
);
CREATE INDEX webhook_calls_due ON webhook_calls (state, next_attempt_at);
CREATE INDEX webhook_calls_hook ON webhook_calls (actor_mention, name, created_at);
