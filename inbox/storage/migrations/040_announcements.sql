-- The announcements actor (``@announcements@<inbox host>``, docs/inbox.md "Announcements
-- actor"): what it will say or has said about the blogs that asked to be announced.
-- kind: 'blog' (a Note introducing a newly registered blog) or 'boost' (an Announce of one of
-- its public posts). state: 'waiting' (for the operator) -> 'approved' (for the hourly limit)
-- -> 'sent'; or 'rejected' (by the operator, or withdrawn when the blog was stopped).
CREATE TABLE announcements (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    blog TEXT NOT NULL,                -- the blog's mention
    object_id TEXT NOT NULL,           -- the blog's actor URL, or the boosted post's id
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    decided_at REAL,
    decided_by TEXT,
    sent_at REAL,
    activity_id TEXT                   -- what the announcements actor published, once sent
);
-- A blog is introduced once, a post boosted once, however often either comes back.
CREATE UNIQUE INDEX announcements_once ON announcements (kind, object_id);
CREATE INDEX announcements_by_state ON announcements (state, created_at);
CREATE INDEX announcements_by_blog ON announcements (blog, kind, created_at);
-- Blogs the operator stopped announcing (and boosting), whatever they registered with.
CREATE TABLE announcements_stopped (
    blog TEXT PRIMARY KEY,
    stopped_by TEXT NOT NULL,
    stopped_at REAL NOT NULL
);
