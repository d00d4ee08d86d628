-- Earlier versions of an edited reply (issue 13 item 4): an edit of an approved reply is a
-- new item, queued like any reply unless moderation allows it; once it is approved, the
-- version it replaces moves here. Deleting the reply (or its author) deletes its history too.
CREATE TABLE reply_history (
    actor_mention TEXT NOT NULL,
    note_id TEXT NOT NULL,
    author TEXT NOT NULL,
    activity_id TEXT NOT NULL,
    content_html TEXT,
    raw BLOB NOT NULL,
    replaced_at REAL NOT NULL
);
CREATE INDEX reply_history_by_note ON reply_history(note_id, author);
