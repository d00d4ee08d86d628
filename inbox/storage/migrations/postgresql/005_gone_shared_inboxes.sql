-- Shared inboxes that answered 410 Gone. A 410 from a shared inbox says the endpoint is gone,
-- not that any one follower is: nobody is removed, and fan-outs use those followers' own
-- inboxes instead (a 410 there removes that follower). A mark older than 30 days is ignored,
-- so a host that comes back gets its shared inbox used again.
CREATE TABLE gone_shared_inboxes (
    actor_mention TEXT COLLATE "C" NOT NULL,
    inbox TEXT COLLATE "C" NOT NULL,
    gone_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (actor_mention, inbox)
);
