-- Each change of a target's credit-risk class, with the day it takes effect and where it
-- came from. A trigger keeps it, so every path that changes a class (the monthly bulk
-- update, the directory's import) leaves its trace; the update names its source and day
-- in settings of its transaction.
CREATE TABLE target_risk_changes (
    id            bigserial PRIMARY KEY,
    code          text NOT NULL,
    risk_from     char(1) NOT NULL,
    risk_to       char(1) NOT NULL,
    effective_on  date NOT NULL,
    source        text NOT NULL,
    changed_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX target_risk_changes_code ON target_risk_changes (code, id);

CREATE FUNCTION record_risk_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO target_risk_changes (code, risk_from, risk_to, effective_on, source)
    VALUES (NEW.code, OLD.risk, NEW.risk,
        coalesce(nullif(current_setting('zhifa.risk_effective', true), '')::date, (now() AT TIME ZONE 'Asia/Shanghai')::date),
        coalesce(nullif(current_setting('zhifa.risk_source', true), ''), '检查对象名录导入'));
    RETURN NEW;
END $$;

CREATE TRIGGER inspection_targets_risk AFTER UPDATE OF risk ON inspection_targets
    FOR EACH ROW WHEN (OLD.risk IS DISTINCT FROM NEW.risk) EXECUTE FUNCTION record_risk_change();
