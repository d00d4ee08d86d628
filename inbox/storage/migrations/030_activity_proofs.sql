-- What the object integrity proof (FEP-8b32) of a received activity came to. One row per
-- activity that carried a proof; an activity without one has no row.
CREATE TABLE activity_proofs (
    activity_id TEXT PRIMARY KEY,
    result TEXT NOT NULL,              -- 'verified' or 'failed'
    detail TEXT NOT NULL DEFAULT '',   -- why it failed
    verification_method TEXT,
    forwarded INTEGER NOT NULL DEFAULT 0,  -- signed over HTTP by another than its actor
    checked_at REAL NOT NULL
);
