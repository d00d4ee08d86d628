-- What the object integrity proof (FEP-8b32) of a received activity came to; the SQLite 030
-- says why.
CREATE TABLE activity_proofs (
    activity_id TEXT COLLATE "C" PRIMARY KEY,
    result TEXT COLLATE "C" NOT NULL,
    detail TEXT COLLATE "C" NOT NULL DEFAULT '',
    verification_method TEXT COLLATE "C",
    forwarded INTEGER NOT NULL DEFAULT 0,
    checked_at DOUBLE PRECISION NOT NULL
);
