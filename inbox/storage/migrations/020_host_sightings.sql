-- What `fedipress doctor --host` can tell about a remote server: when it last delivered a
-- verified activity to the blog, and when it last fetched a document the inbox serves for the
-- blog (the followers collection). One row per (blog, host, kind), rewritten at most once a
-- minute (inbox.doctor.sightings), so recording costs nothing on the hot path.
CREATE TABLE host_sightings (
    actor_mention TEXT NOT NULL,
    host TEXT NOT NULL,
    kind TEXT NOT NULL,
    first_at REAL NOT NULL,
    last_at REAL NOT NULL,
    times INTEGER NOT NULL DEFAULT 1,
    detail TEXT,
    PRIMARY KEY (actor_mention, host, kind)
);
