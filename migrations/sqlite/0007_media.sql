-- Media uploads: the order an author gave a status's attachments (media_ids order;
-- remote attachments keep their order in the Note), and an account's uploads by
-- whether they are attached yet.
ALTER TABLE media_attachments ADD COLUMN sort_order INTEGER NOT NULL DEFAULT 0;
CREATE INDEX media_attachments_account ON media_attachments (account_id, status_id);
