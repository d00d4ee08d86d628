-- The queue caps (max_queued_per_actor, max_queued_per_host) are asked at every item from a
-- held-back sender: a range over this index counts one actor's queued items from one host
-- from the index alone, without reading the host's other items (issue 20).
CREATE INDEX inbox_items_queued_by_author ON inbox_items(actor_mention, state, author);
