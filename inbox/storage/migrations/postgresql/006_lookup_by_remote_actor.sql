-- "Has this remote actor ever left anything here?" is asked before verifying a self-Delete
-- (the storm of Deletes a server sends when an account goes). Without these indexes each such
-- request scanned every stored activity and follower.
CREATE INDEX activities_by_actor ON activities (actor);
CREATE INDEX followers_by_follower ON followers (follower_id);
