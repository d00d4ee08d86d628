-- The inbox's own actor (an Application at /actor): its key signs the inbox's own fetches
-- (the shared inbox's key fetches, management key fetches), never a tenant's key.
CREATE TABLE instance_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    public_key_pem TEXT COLLATE "C" NOT NULL,
    private_key_pem TEXT COLLATE "C" NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);
-- Registration is closed by default: who may register besides what the config opens
-- (``@user@host``, a ``host[:port]``, or ``*``), added by the operator's command or an admin.
CREATE TABLE registration_openings (
    name TEXT COLLATE "C" PRIMARY KEY,
    opened_by TEXT COLLATE "C" NOT NULL,
    opened_at DOUBLE PRECISION NOT NULL
);
