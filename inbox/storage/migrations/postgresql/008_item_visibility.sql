-- Who a reply was addressed to: public (as:Public in to), unlisted (as:Public in cc) or
-- private (only the blog, someone's followers). Replies stored before this migration: private
-- unless their body names as:Public.
ALTER TABLE inbox_items ADD COLUMN visibility TEXT COLLATE "C" NOT NULL DEFAULT 'public';
UPDATE inbox_items SET visibility = 'private'
    WHERE kind = 'reply' AND position('Public'::bytea IN raw) = 0;
