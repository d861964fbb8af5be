-- Closed deals from a CRM (the signed webhook, HubSpot, `vosbot import deals`), the nudge
-- that asks each deal's owner for feedback, the daily reminders, the CRM events that
-- brought them, and feedback that names its deal.

CREATE TABLE deals (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Which CRM ("hubspot", "salesforce", …) and its id of the deal: one row per pair.
    crm              text NOT NULL CHECK (crm ~ '^[a-z0-9][a-z0-9_.-]{0,39}$'),
    deal_id          text NOT NULL CHECK (deal_id <> '' AND length(deal_id) <= 255),
    account          text NOT NULL CHECK (btrim(account) <> '' AND length(account) <= 500),
    outcome          text NOT NULL CHECK (outcome IN ('won', 'lost', 'no_decision')),
    amount           numeric(18, 2) CHECK (amount >= 0),
    -- As the CRM gave it: a currency the configuration does not name is kept, never converted.
    currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    closed_at        timestamptz NOT NULL,
    owner_email      text NOT NULL DEFAULT '' CHECK (length(owner_email) <= 254),
    -- The Slack user the CRM named, when it did.
    owner_slack_id   text NOT NULL DEFAULT '',
    -- The Slack user the owner resolved to (NULL: not yet, or not found).
    owner_id         text,
    -- When the owner could not be found in Slack: listed for admins in App Home.
    owner_unknown_at timestamptz,
    owner_unknown    text NOT NULL DEFAULT '',
    crm_url          text NOT NULL DEFAULT '' CHECK (length(crm_url) <= 2000),
    status           text NOT NULL DEFAULT 'waiting'
                     CHECK (status IN ('waiting', 'nudged', 'filed', 'skipped', 'expired')),
    nudged_at        timestamptz,
    skip_reason      text NOT NULL DEFAULT '',
    source           text NOT NULL CHECK (source IN ('webhook', 'hubspot', 'import', 'demo')),
    -- When the CRM said what the row says (a webhook's signed time, a read of the CRM
    -- API, an import): a message older than that never overwrites it.
    observed_at      timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (crm, deal_id),
    CHECK (status <> 'nudged' OR nudged_at IS NOT NULL)
);
CREATE INDEX deals_closed_at ON deals (closed_at);
CREATE INDEX deals_owner_waiting ON deals (owner_id, closed_at) WHERE status IN ('waiting', 'nudged');
CREATE INDEX deals_waiting_closed_at ON deals (closed_at) WHERE status IN ('waiting', 'nudged');
CREATE INDEX deals_owner_unknown ON deals (owner_unknown_at) WHERE owner_unknown_at IS NOT NULL;

-- Every state a deal went through and who moved it: append-only, like escalation_events.
CREATE TABLE deal_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    deal_id      bigint NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    at           timestamptz NOT NULL DEFAULT now(),
    -- "crm:hubspot", "import", "vosbot" or the Slack user who acted.
    actor_id     text NOT NULL,
    action       text NOT NULL CHECK (action IN ('received', 'changed', 'outcome_changed', 'reopened', 'stale',
                     'nudged', 'reminded', 'filed', 'skipped', 'expired', 'owner_unknown')),
    from_status  text,
    to_status    text NOT NULL,
    from_outcome text,
    to_outcome   text NOT NULL,
    note         text NOT NULL DEFAULT '',
    -- The deal's fields as the CRM sent them with this event (amount, currency, owner…).
    state        jsonb
);
CREATE INDEX deal_events_deal ON deal_events (deal_id, at);
CREATE TRIGGER deal_events_append_only BEFORE UPDATE OR DELETE ON deal_events
    FOR EACH ROW EXECUTE FUNCTION forbid_change();

-- One nudge per deal and outcome, whatever the retries: the row is written in the
-- transaction that sends the DM.
CREATE TABLE deal_nudges (
    deal_id    bigint NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    outcome    text NOT NULL CHECK (outcome IN ('won', 'lost', 'no_decision')),
    owner_id   text NOT NULL,
    channel_id text NOT NULL,
    message_ts text NOT NULL,
    sent_at    timestamptz NOT NULL,
    PRIMARY KEY (deal_id, outcome)
);

-- One reminder DM per rep and day.
CREATE TABLE deal_reminders (
    owner_id   text NOT NULL,
    day        date NOT NULL,
    channel_id text NOT NULL,
    message_ts text NOT NULL,
    deals      integer NOT NULL CHECK (deals > 0),
    sent_at    timestamptz NOT NULL,
    PRIMARY KEY (owner_id, day)
);

-- What the CRMs sent, once each: a delivery repeated (a retry, a replay inside the
-- signature's window) finds its row and changes nothing.
CREATE TABLE crm_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    crm         text NOT NULL,
    event_key   text NOT NULL,
    deal_id     text NOT NULL,
    kind        text NOT NULL,
    occurred_at timestamptz,
    received_at timestamptz NOT NULL DEFAULT now(),
    payload     jsonb NOT NULL DEFAULT '{}',
    UNIQUE (crm, event_key)
);
CREATE INDEX crm_events_received_at ON crm_events (received_at);

-- Feedback names the deal it answers; several reps may answer one deal.
ALTER TABLE feedback ADD COLUMN deal_id bigint REFERENCES deals (id) ON DELETE SET NULL;
CREATE INDEX feedback_deal ON feedback (deal_id) WHERE deal_id IS NOT NULL;

-- Feedback filed from a deal's nudge has its own source (and the buyer survey's is
-- named now too, so the two changes to this check do not undo each other). The check is
-- found by what it says, not by the name PostgreSQL generated for it.
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint
             WHERE contype = 'c' AND conrelid = 'feedback'::regclass
               AND pg_get_constraintdef(oid) LIKE '%message_shortcut%'
    LOOP
        EXECUTE format('ALTER TABLE feedback DROP CONSTRAINT %I', c.conname);
    END LOOP;
END $$;
ALTER TABLE feedback ADD CONSTRAINT feedback_source_check
    CHECK (source IN ('slash_command', 'message_shortcut', 'app_home', 'import', 'demo', 'deal_nudge', 'buyer_survey'));
