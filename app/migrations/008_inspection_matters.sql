-- The list of random-inspection matters (随机抽查事项清单): what each agency may check, on
-- what legal basis and how. It is published on the portal.
CREATE TABLE inspection_matters (
    id          uuid PRIMARY KEY,
    agency_id   uuid NOT NULL REFERENCES agencies (id),
    name        text NOT NULL,
    legal_basis text NOT NULL,
    method      text NOT NULL,
    target_type text NOT NULL,
    created_by  uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agency_id, name)
);
