-- Many inbox nodes and workers on one database (issue 18); the SQLite 012 says why.
ALTER TABLE activities ADD COLUMN claimed_by TEXT COLLATE "C";
ALTER TABLE activities ADD COLUMN claim_expires_at DOUBLE PRECISION;
CREATE INDEX activities_unprocessed_by_actor ON activities(actor, received_at) WHERE processed_at IS NULL;

CREATE INDEX deliveries_host_lease ON deliveries(host, lease_expires_at) WHERE state = 'pending';

CREATE TABLE worker_leases (
    name TEXT COLLATE "C" PRIMARY KEY,
    owner TEXT COLLATE "C" NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
);

CREATE TABLE cache_generations (
    name TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL DEFAULT 0
);
INSERT INTO cache_generations (name, version) VALUES ('shared', 0);
