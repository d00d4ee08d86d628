-- Durable fan-out delivery: the blog's own outbox, delivery jobs split per target inbox,
-- and what we learned about each remote host.

-- Every activity the blog published through the outbox (the source for backfill and status).
CREATE TABLE outbox_activities (
    activity_id TEXT PRIMARY KEY,
    actor_mention TEXT NOT NULL,
    type TEXT NOT NULL,
    object_id TEXT,
    public INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL,
    job_id TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX outbox_activities_actor ON outbox_activities (actor_mention, created_at);

-- One job per enqueued activity (also Accept/Reject/backfill, which are not in the outbox).
CREATE TABLE delivery_jobs (
    id TEXT PRIMARY KEY,
    actor_mention TEXT NOT NULL,
    activity_id TEXT,
    type TEXT NOT NULL,
    object_key TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX delivery_jobs_activity ON delivery_jobs (activity_id);

-- One row per (job, target inbox). state: pending | delivered | failed.
-- A pending row is claimable when next_attempt_at <= now and its lease is free or expired.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL,
    actor_mention TEXT NOT NULL,
    inbox TEXT NOT NULL,
    host TEXT NOT NULL,
    object_key TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    lease_owner TEXT,
    lease_expires_at REAL,
    last_status INTEGER,
    last_error TEXT,
    created_at REAL NOT NULL,
    finished_at REAL,
    UNIQUE (job_id, inbox)
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_order ON deliveries (inbox, object_key, state, id);
CREATE INDEX deliveries_job ON deliveries (job_id, state);

-- Per remote host: signature scheme it wants, circuit breaker, availability.
CREATE TABLE delivery_hosts (
    host TEXT PRIMARY KEY,
    signature_scheme TEXT NOT NULL DEFAULT 'cavage',
    scheme_probed INTEGER NOT NULL DEFAULT 0,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    open_until REAL NOT NULL DEFAULT 0,
    failure_days TEXT NOT NULL DEFAULT '[]',
    unavailable INTEGER NOT NULL DEFAULT 0,
    last_success_at REAL,
    last_failure_at REAL,
    last_error TEXT
);

-- Every inbox we ever delivered to for an actor: part of the audience of a Delete.
CREATE TABLE delivered_inboxes (
    actor_mention TEXT NOT NULL,
    inbox TEXT NOT NULL,
    last_delivered_at REAL NOT NULL,
    PRIMARY KEY (actor_mention, inbox)
);
