-- The statistical return (行政执法统计年报) counts 行政征用 apart from the other kinds, and
-- counts each decision under what it imposes (its categories). Decisions made before
-- categories existed get the ones their fields already say, as a decision made now would.
ALTER TABLE cases DROP CONSTRAINT cases_kind_check;
ALTER TABLE cases ADD CONSTRAINT cases_kind_check
    CHECK (kind IN ('penalty', 'coercion', 'license', 'inspection', 'levy', 'requisition', 'confirmation', 'other'));

UPDATE cases SET decision = decision || jsonb_build_object('categories', CASE
        WHEN kind = 'penalty' AND decision->>'outcome' = 'penalty' THEN (
            SELECT coalesce(jsonb_agg(code ORDER BY ord), '["warning"]'::jsonb) FROM (VALUES
                (1, 'fine', coalesce((decision->>'fine_amount')::bigint, 0) > 0),
                (2, 'confiscate_income', coalesce((decision->>'confiscation_amount')::bigint, 0) > 0),
                (3, 'suspend_business', coalesce((decision->>'business_suspended')::boolean, false)),
                (4, 'revoke_license', coalesce((decision->>'license_revoked')::boolean, false))) v(ord, code, says)
            WHERE says)
        WHEN kind = 'license' THEN CASE WHEN decision->>'outcome' = 'no_penalty' THEN '["refuse"]'::jsonb ELSE '["grant"]'::jsonb END
        ELSE '[]'::jsonb END)
    WHERE decision IS NOT NULL AND jsonb_typeof(decision) = 'object' AND NOT decision ? 'categories';
