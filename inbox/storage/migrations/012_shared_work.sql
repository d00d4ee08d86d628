-- Many inbox nodes and workers on one database (issue 18): work is claimed with leases, and
-- what nodes cache is invalidated through a shared counter.

-- A received activity is applied by one node: the one whose claim (owner, expiry) it holds.
ALTER TABLE activities ADD COLUMN claimed_by TEXT;
ALTER TABLE activities ADD COLUMN claim_expires_at REAL;
CREATE INDEX activities_unprocessed_by_actor ON activities(actor, received_at) WHERE processed_at IS NULL;

-- A host's pending deliveries are leased by one worker at a time (per-host limits and the
-- circuit breaker then hold across workers); this finds who holds a host.
CREATE INDEX deliveries_host_lease ON deliveries(host, lease_expires_at) WHERE state = 'pending';

-- Singleton jobs (the moderation tick) run on one worker at a time: a named lease.
CREATE TABLE worker_leases (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at REAL NOT NULL
);

-- Bumped by every change to what nodes cache (moderation lists, domain blocks, local actors,
-- author rules); each node reads it a few times a second and drops its caches when it moved.
CREATE TABLE cache_generations (
    name TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 0
);
INSERT INTO cache_generations (name, version) VALUES ('shared', 0);
