-- Avatars and headers uploaded by local accounts: the blob store key of each file
-- (`accounts/avatars/ID/TOKEN.EXT`, served by the host at /system/KEY). The URL is made
-- from the key when an account is rendered, with the base of whoever renders it, as
-- for media attachments; avatar_url and header_url keep where a remote account's
-- server has its pictures.
ALTER TABLE accounts ADD COLUMN avatar_key TEXT;
ALTER TABLE accounts ADD COLUMN header_key TEXT;
