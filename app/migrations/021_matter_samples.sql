-- A matter (a special campaign above all) draws its sample of case files as an
-- evaluation campaign: the same pool, lottery, verification and read grant.
ALTER TABLE supervision_matter_links DROP CONSTRAINT supervision_matter_links_kind_check;
ALTER TABLE supervision_matter_links ADD CONSTRAINT supervision_matter_links_kind_check
    CHECK (kind IN ('case', 'check', 'draw', 'clue', 'evaluation'));
