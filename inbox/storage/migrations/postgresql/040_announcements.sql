-- The announcements actor's queue and the blogs it no longer announces; the SQLite 040 says
-- what each column means.
CREATE TABLE announcements (
    id TEXT COLLATE "C" PRIMARY KEY,
    kind TEXT COLLATE "C" NOT NULL,
    blog TEXT COLLATE "C" NOT NULL,
    object_id TEXT COLLATE "C" NOT NULL,
    state TEXT COLLATE "C" NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    decided_at DOUBLE PRECISION,
    decided_by TEXT COLLATE "C",
    sent_at DOUBLE PRECISION,
    activity_id TEXT COLLATE "C"
);
CREATE UNIQUE INDEX announcements_once ON announcements (kind, object_id);
CREATE INDEX announcements_by_state ON announcements (state, created_at);
CREATE INDEX announcements_by_blog ON announcements (blog, kind, created_at);
CREATE TABLE announcements_stopped (
    blog TEXT COLLATE "C" PRIMARY KEY,
    stopped_by TEXT COLLATE "C" NOT NULL,
    stopped_at DOUBLE PRECISION NOT NULL
);
