-- The author's own moderation rules (sent by `fedipress register` from fedipress.toml) and the
-- secret of their private notifications feed. One row per local actor; no row = the defaults.
CREATE TABLE author_rules (
    actor_mention TEXT COLLATE "C" PRIMARY KEY,
    rules TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    feed_secret TEXT COLLATE "C",
    updated_at DOUBLE PRECISION NOT NULL
);

