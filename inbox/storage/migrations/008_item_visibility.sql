-- Who a reply was addressed to: public (as:Public in to), unlisted (as:Public in cc) or
-- private (only the blog, someone's followers). Only public replies (and unlisted ones when the
-- operator opts in) are served by the public replies API; the others stay in the author's
-- queue. Replies stored before this migration: private unless their body names as:Public.
ALTER TABLE inbox_items ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public';
UPDATE inbox_items SET visibility = 'private'
    WHERE kind = 'reply' AND instr(CAST(raw AS TEXT), 'Public') = 0;
