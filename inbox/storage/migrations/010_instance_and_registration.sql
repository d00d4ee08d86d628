-- The inbox's own actor (an Application at /actor): its key signs the inbox's own fetches
-- (the shared inbox's key fetches, management key fetches), never a tenant's key.
CREATE TABLE instance_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    public_key_pem TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    created_at REAL NOT NULL
);
-- Registration is closed by default: who may register besides what the config opens
-- (``@user@host``, a ``host[:port]``, or ``*``), added by the operator's command or an admin.
CREATE TABLE registration_openings (
    name TEXT PRIMARY KEY,
    opened_by TEXT NOT NULL,
    opened_at REAL NOT NULL
);
