-- The inbox core: local actors, their followers, every received activity, the items
-- (replies, likes, shares, queued follows, reports) that activities leave behind.

CREATE TABLE actors (
    mention TEXT PRIMARY KEY,
    actor_url TEXT NOT NULL,
    public_key_id TEXT NOT NULL,
    public_key_pem TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    manually_approves_followers INTEGER NOT NULL DEFAULT 0,
    announce INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);

CREATE UNIQUE INDEX actors_by_url ON actors(actor_url);

-- Unregistered actors, so their inbox answers 410 Gone rather than 404.
CREATE TABLE removed_actors (
    mention TEXT PRIMARY KEY,
    removed_at REAL NOT NULL
);

CREATE TABLE followers (
    actor_mention TEXT NOT NULL,
    follower_id TEXT NOT NULL,
    inbox TEXT NOT NULL,
    shared_inbox TEXT,
    follow_activity_id TEXT,
    created_at REAL NOT NULL,
    PRIMARY KEY (actor_mention, follower_id)
);

CREATE INDEX followers_by_time ON followers(actor_mention, created_at);

-- Every accepted delivery, raw, before anything acts on it (202 means this row exists).
-- The primary key makes a second delivery of the same id a no-op.
CREATE TABLE activities (
    id TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    type TEXT NOT NULL,
    inbox_mention TEXT,
    raw BLOB NOT NULL,
    received_at REAL NOT NULL,
    processed_at REAL,
    outcome TEXT
);

CREATE INDEX activities_unprocessed ON activities(received_at) WHERE processed_at IS NULL;

-- What an activity left for one local actor: kind follow|reply|like|share|flag,
-- state queued|approved. Lookups are keyed by id AND author.
CREATE TABLE inbox_items (
    actor_mention TEXT NOT NULL,
    activity_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    author TEXT NOT NULL,
    object_id TEXT,
    note_id TEXT,
    content_html TEXT,
    raw BLOB NOT NULL,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (actor_mention, activity_id)
);

CREATE INDEX inbox_items_by_state ON inbox_items(actor_mention, state, created_at);
CREATE INDEX inbox_items_by_object ON inbox_items(actor_mention, kind, object_id, state);
CREATE INDEX inbox_items_by_note ON inbox_items(note_id, author);
CREATE INDEX inbox_items_by_author ON inbox_items(author);
