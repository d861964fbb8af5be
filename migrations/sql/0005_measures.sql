-- Revenue measures: one value per team measure and ISO week (named by its Monday in the
-- configured time zone), the corrections they went through, the weekly asks that
-- collect them, and the dropped balls that repeated misses raised.

-- A row exists only for a reported week: a week without one is missing, never zero.
CREATE TABLE measure_values (
    team        text NOT NULL CHECK (team <> ''),
    measure     text NOT NULL CHECK (measure <> ''),
    week        date NOT NULL CHECK (extract(isodow FROM week) = 1),
    value       numeric(18, 4) NOT NULL CHECK (value BETWEEN -1e12 AND 1e12),
    note        text NOT NULL DEFAULT '',
    reported_by text NOT NULL CHECK (reported_by <> ''),
    reported_at timestamptz NOT NULL,
    source      text NOT NULL CHECK (source IN ('slack', 'app_home', 'cli', 'import', 'demo')),
    PRIMARY KEY (team, measure, week)
);
CREATE INDEX measure_values_week ON measure_values (week);

-- Every correction keeps the value it replaced, who replaced it and when: append-only.
CREATE TABLE measure_revisions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team        text NOT NULL,
    measure     text NOT NULL,
    week        date NOT NULL,
    value       numeric(18, 4) NOT NULL,
    note        text NOT NULL,
    reported_by text NOT NULL,
    reported_at timestamptz NOT NULL,
    source      text NOT NULL,
    replaced_by text NOT NULL CHECK (replaced_by <> ''),
    replaced_at timestamptz NOT NULL
);
CREATE INDEX measure_revisions_week ON measure_revisions (team, measure, week, replaced_at);
CREATE TRIGGER measure_revisions_append_only BEFORE UPDATE OR DELETE ON measure_revisions
    FOR EACH ROW EXECUTE FUNCTION forbid_change();

-- One ask per team and week: its owners were asked, maybe reminded, and one answered.
CREATE TABLE measure_asks (
    team        text NOT NULL CHECK (team <> ''),
    week        date NOT NULL CHECK (extract(isodow FROM week) = 1),
    asked_at    timestamptz NOT NULL,
    reminded_at timestamptz,
    answered_by text,
    answered_at timestamptz,
    PRIMARY KEY (team, week),
    CHECK ((answered_by IS NULL) = (answered_at IS NULL))
);
CREATE INDEX measure_asks_open ON measure_asks (asked_at) WHERE answered_at IS NULL;

-- The DMs an ask sent (the ask and its reminder, per owner), updated when one answers.
CREATE TABLE measure_ask_messages (
    team       text NOT NULL,
    week       date NOT NULL,
    user_id    text NOT NULL CHECK (user_id <> ''),
    kind       text NOT NULL CHECK (kind IN ('ask', 'reminder')),
    channel_id text NOT NULL,
    ts         text NOT NULL,
    PRIMARY KEY (team, week, user_id, kind),
    FOREIGN KEY (team, week) REFERENCES measure_asks (team, week) ON DELETE CASCADE
);

-- A dropped ball raised because a measure missed its target N weeks running: once per run
-- of misses.
CREATE TABLE measure_escalations (
    escalation_id bigint PRIMARY KEY REFERENCES escalations (id) ON DELETE CASCADE,
    team          text NOT NULL,
    measure       text NOT NULL,
    first_week    date NOT NULL,
    last_week     date NOT NULL,
    misses        integer NOT NULL CHECK (misses > 0),
    CHECK (last_week >= first_week)
);
CREATE INDEX measure_escalations_measure ON measure_escalations (team, measure, first_week);

-- Those dropped balls are raised by vosbot itself.
ALTER TABLE escalations DROP CONSTRAINT escalations_source_check;
ALTER TABLE escalations ADD CONSTRAINT escalations_source_check
    CHECK (source IN ('slash_command', 'app_home', 'import', 'demo', 'measure'));
