-- Webhooks: one hook per (local actor, event name), and a durable queue of calls to make.

-- The hook a local actor set for one event (names in inbox.webhooks.envelope.EVENTS).
-- `secret` signs every call (HMAC-SHA256); it is stored because it must be used, never shown.
CREATE TABLE webhooks (
    actor_mention TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    url TEXT COLLATE "C" NOT NULL,
    method TEXT COLLATE "C" NOT NULL DEFAULT 'POST',
    headers TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    secret TEXT COLLATE "C" NOT NULL,
    format TEXT COLLATE "C" NOT NULL DEFAULT 'envelope',
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (actor_mention, name)
);

-- One row per call to make. The envelope is fixed when the event happens; the hook's current
-- URL, secret and format are read at send time (a removed hook stops its pending calls).
-- state: pending | delivered | failed.
CREATE TABLE webhook_calls (
    delivery_id TEXT COLLATE "C" PRIMARY KEY,
    actor_mention TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    envelope TEXT COLLATE "C" NOT NULL,
    state TEXT COLLATE "C" NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DOUBLE PRECISION NOT NULL,
    lease_owner TEXT COLLATE "C",
    lease_expires_at DOUBLE PRECISION,
    last_status INTEGER,
    last_error TEXT COLLATE "C",
    created_at DOUBLE PRECISION NOT NULL,
    finished_at DOUBLE PRECISION
);
CREATE INDEX webhook_calls_due ON webhook_calls (state, next_attempt_at);
CREATE INDEX webhook_calls_hook ON webhook_calls (actor_mention, name, created_at);
