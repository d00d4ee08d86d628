-- What `fedipress doctor --host` can tell about a remote server; the SQLite 020 says why.
CREATE TABLE host_sightings (
    actor_mention TEXT COLLATE "C" NOT NULL,
    host TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    first_at DOUBLE PRECISION NOT NULL,
    last_at DOUBLE PRECISION NOT NULL,
    times BIGINT NOT NULL DEFAULT 1,
    detail TEXT COLLATE "C",
    PRIMARY KEY (actor_mention, host, kind)
);
