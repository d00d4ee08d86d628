-- Received activities are de-duplicated per (actor, id), not per id: an id claimed by one
-- actor (a co-tenant guessing another's next Delete id) no longer shadows the real activity.
-- (SQLite rebuilds the table; PostgreSQL changes the key in place.)
ALTER TABLE activities DROP CONSTRAINT activities_pkey;
ALTER TABLE activities ADD PRIMARY KEY (actor, id);
CREATE INDEX activities_by_id ON activities(id);
CREATE INDEX activities_by_time ON activities(received_at);
