-- Earlier versions of an edited reply (issue 13 item 4): an edit of an approved reply is a
-- new item, queued like any reply unless moderation allows it; once it is approved, the
-- version it replaces moves here. Deleting the reply (or its author) deletes its history too.
CREATE TABLE reply_history (
    actor_mention TEXT COLLATE "C" NOT NULL,
    note_id TEXT COLLATE "C" NOT NULL,
    author TEXT COLLATE "C" NOT NULL,
    activity_id TEXT COLLATE "C" NOT NULL,
    content_html TEXT COLLATE "C",
    raw BYTEA NOT NULL,
    replaced_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX reply_history_by_note ON reply_history(note_id, author);
