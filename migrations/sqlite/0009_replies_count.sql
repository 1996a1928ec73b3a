-- replies_count counts public and unlisted replies only, as Mastodon does: the count
-- is one number every viewer sees. Earlier builds also counted followers-only and
-- direct replies (and, with the rule changed, deleting those would no longer take
-- them off), so the parents of such replies are counted again from the replies
-- stored and not deleted.
UPDATE statuses SET replies_count = (
    SELECT COUNT(*) FROM statuses r
    WHERE r.in_reply_to_id = statuses.id AND r.deleted_at IS NULL AND r.visibility IN ('public', 'unlisted')
)
WHERE id IN (SELECT in_reply_to_id FROM statuses WHERE in_reply_to_id IS NOT NULL AND visibility NOT IN ('public', 'unlisted'));
