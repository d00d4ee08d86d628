-- 003 moderation: allow/block/admin lists, domain blocks with severity, blocklist
-- subscriptions, the audit log and notes. Times are epoch seconds (REAL).

-- One row per list entry. scope = '' for the global lists, else the local actor's mention.
-- list: 'allow' | 'block' | 'admin' (admin only with scope ''). pattern is canonical
-- (@user@domain, domain lower-cased). expires_at NULL = never.
CREATE TABLE moderation_entries (
    scope       TEXT NOT NULL,
    list        TEXT NOT NULL CHECK (list IN ('allow', 'block', 'admin')),
    pattern     TEXT NOT NULL,
    expires_at  REAL,
    reason      TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  REAL NOT NULL,
    PRIMARY KEY (scope, list, pattern)
);

-- Operator domain blocks, Mastodon style. domain is a host or '*.host'. source says where the
-- row came from: 'operator' (hand-made, never touched by imports) or an import/subscription
-- source (a URL or 'file:<path>'), which a later import of the same source may update/remove.
CREATE TABLE domain_blocks (
    domain          TEXT PRIMARY KEY,
    severity        TEXT NOT NULL CHECK (severity IN ('suspend', 'silence', 'noop')),
    reject_media    INTEGER NOT NULL DEFAULT 0,
    reject_reports  INTEGER NOT NULL DEFAULT 0,
    public_comment  TEXT NOT NULL DEFAULT '',
    obfuscate       INTEGER NOT NULL DEFAULT 0,
    source          TEXT NOT NULL DEFAULT 'operator',
    expires_at      REAL,
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL
);
CREATE INDEX domain_blocks_source ON domain_blocks (source);

CREATE TABLE blocklist_subscriptions (
    url               TEXT PRIMARY KEY,
    interval_seconds  REAL NOT NULL,
    next_fetch_at     REAL NOT NULL,
    last_fetched_at   REAL,
    last_status       TEXT NOT NULL DEFAULT '',
    created_at        REAL NOT NULL
);

-- Every moderation action: who did what to whom, when and why. scope '' = global/operator.
CREATE TABLE moderation_audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          REAL NOT NULL,
    scope       TEXT NOT NULL,
    who         TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '{}',
    expires_at  REAL
);
CREATE INDEX moderation_audit_scope_at ON moderation_audit (scope, at);

-- Notes an author (scope = their mention) or an admin (scope '') keeps on a remote actor
-- or domain (target: '@user@domain' or a domain).
CREATE TABLE moderation_notes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    scope       TEXT NOT NULL,
    target      TEXT NOT NULL,
    author      TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  REAL NOT NULL
);
CREATE INDEX moderation_notes_target ON moderation_notes (scope, target);

-- Who is behind an actor URL, as seen when their activities were decided: lets a new block on
-- @user@domain find that user's followers rows and items (which store actor URLs).
CREATE TABLE moderation_senders (
    actor_url  TEXT PRIMARY KEY,
    mention    TEXT NOT NULL,
    seen_at    REAL NOT NULL
);
