-- Annual inspection plans (年度检查计划): each agency's matters, methods, the share of
-- double-random checks and the yearly cap on how often one firm may be checked; filed
-- with the justice bureau, which accepts or returns them; accepted plans are public.
CREATE TABLE inspection_plans (
    id             uuid PRIMARY KEY,
    agency_id      uuid NOT NULL REFERENCES agencies (id),
    year           integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    matter_ids     uuid[] NOT NULL,
    methods        text[] NOT NULL,             -- double_random, key, special
    random_share   integer NOT NULL CHECK (random_share BETWEEN 0 AND 100),  -- % of checks drawn
    yearly_cap     integer NOT NULL CHECK (yearly_cap BETWEEN 1 AND 52),     -- checks of one firm a year
    period_from    date NOT NULL,
    period_to      date NOT NULL CHECK (period_to >= period_from),
    note           text NOT NULL DEFAULT '',
    state          text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'filed', 'accepted', 'returned')),
    filed_at       timestamptz,
    filing_due     date NOT NULL,               -- the deadline it was filed against
    reviewed_by    uuid REFERENCES users (id),
    reviewed_at    timestamptz,
    return_reason  text NOT NULL DEFAULT '',
    created_by     uuid NOT NULL REFERENCES users (id),
    created_at     timestamptz NOT NULL,
    UNIQUE (agency_id, year)
);

-- Why a check may exceed its agency's yearly cap, when it may.
ALTER TABLE inspection_checks ADD COLUMN cap_exempt text NOT NULL DEFAULT '';
