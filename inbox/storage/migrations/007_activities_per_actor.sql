-- Received activities are de-duplicated per (actor, id), not per id: an id claimed by one
-- actor (a co-tenant guessing another's next Delete id) no longer shadows the real activity.
-- ``raw`` may be emptied once an activity was dropped (only its id is kept, for dedupe).
CREATE TABLE activities_new (
    id TEXT NOT NULL,
    actor TEXT NOT NULL,
    type TEXT NOT NULL,
    inbox_mention TEXT,
    raw BLOB NOT NULL,
    received_at REAL NOT NULL,
    processed_at REAL,
    outcome TEXT,
    PRIMARY KEY (actor, id)
);
INSERT INTO activities_new (id, actor, type, inbox_mention, raw, received_at, processed_at, outcome)
    SELECT id, actor, type, inbox_mention, raw, received_at, processed_at, outcome FROM activities;
DROP TABLE activities;
ALTER TABLE activities_new RENAME TO activities;
CREATE INDEX activities_unprocessed ON activities(received_at) WHERE processed_at IS NULL;
CREATE INDEX activities_by_id ON activities(id);
CREATE INDEX activities_by_time ON activities(received_at);
