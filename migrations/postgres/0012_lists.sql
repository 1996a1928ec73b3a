-- Mastodon lists. The tables came with the core model (0003): `lists` (a local
-- account's lists: title, replies_policy 'followed' | 'list' | 'none', exclusive)
-- and `list_accounts` (members: only accounts the owner follows; the row goes when
-- the follow goes, in core's store::follows::remove). What the API reads them by:
-- "the owner's lists" (GET /api/v1/lists; "has the viewer an exclusive list?" on
-- every home page) and "which lists hold this account?" (a member's posts streamed
-- to its lists, GET /api/v1/accounts/:id/lists, leaving with the follow).
CREATE INDEX lists_account ON lists (account_id, id);
CREATE INDEX list_accounts_account ON list_accounts (account_id, list_id);
