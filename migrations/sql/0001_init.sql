-- The first schema: prospect feedback, escalations and their audit trail, the theme
-- catalogue and tags, LLM usage and digest runs. Times are timestamptz (UTC in exports).

-- The theme catalogue, versioned: a renamed or merged theme keeps its id, and with it
-- its history; retired themes stay so past records still resolve.
CREATE TABLE theme_catalogue_versions (
    version     integer PRIMARY KEY,
    checksum    text NOT NULL UNIQUE,
    loaded_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE themes (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key               text NOT NULL UNIQUE CHECK (key ~ '^[a-z0-9][a-z0-9_]{0,63}$'),
    name              text NOT NULL CHECK (name <> ''),
    description       text NOT NULL DEFAULT '',
    keywords          text[] NOT NULL DEFAULT '{}',
    applies_to        text[] NOT NULL DEFAULT '{won,lost,no_decision,escalation}'
                      CHECK (applies_to <@ '{won,lost,no_decision,escalation}'::text[]),
    status            text NOT NULL DEFAULT 'catalogue'
                      CHECK (status IN ('catalogue', 'emerging', 'retired', 'merged', 'dismissed')),
    merged_into       bigint REFERENCES themes (id),
    catalogue_version integer REFERENCES theme_catalogue_versions (version),
    -- Emerging themes: how they were found and what they look like.
    origin            text NOT NULL DEFAULT 'catalogue' CHECK (origin IN ('catalogue', 'offline', 'llm', 'admin')),
    example_texts     text[] NOT NULL DEFAULT '{}',
    size              integer NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'merged') = (merged_into IS NOT NULL)),
    CHECK (merged_into IS DISTINCT FROM id)
);

CREATE TABLE feedback (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    reporter_id     text NOT NULL CHECK (reporter_id <> ''),
    outcome         text NOT NULL CHECK (outcome IN ('won', 'lost', 'no_decision')),
    account         text NOT NULL CHECK (btrim(account) <> ''),
    deal_value      numeric(18, 2) CHECK (deal_value >= 0),
    currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    region          text NOT NULL DEFAULT '',
    -- Normalised competitor names (one spelling per competitor).
    competitors     text[] NOT NULL DEFAULT '{}',
    -- Theme keys the rep picked ("why we won or lost").
    reasons         text[] NOT NULL DEFAULT '{}',
    what_worked     text NOT NULL DEFAULT '',
    what_didnt      text NOT NULL DEFAULT '',
    verbatim        text NOT NULL DEFAULT '',
    crm_url         text NOT NULL DEFAULT '',
    message_url     text NOT NULL DEFAULT '',
    hide_name       boolean NOT NULL DEFAULT false,
    source          text NOT NULL CHECK (source IN ('slash_command', 'message_shortcut', 'app_home', 'import', 'demo')),
    -- The Slack view id (or an import row's content hash): a repeated submission stores nothing new.
    idempotency_key text NOT NULL UNIQUE,
    edit_count      integer NOT NULL DEFAULT 0,
    -- When the offline engine and the language model last tagged the text (NULL: due).
    tagged_at       timestamptz,
    llm_tagged_at   timestamptz
);
CREATE INDEX feedback_created_at ON feedback (created_at);
CREATE INDEX feedback_reporter ON feedback (reporter_id, created_at DESC);
CREATE INDEX feedback_region_created_at ON feedback (region, created_at);
CREATE INDEX feedback_competitors ON feedback USING gin (competitors);

-- Competitors named by anyone, one row per normalised key, for the modal's type-ahead.
CREATE TABLE competitors (
    key         text PRIMARY KEY CHECK (key <> ''),
    name        text NOT NULL CHECK (name <> ''),
    mentions    integer NOT NULL DEFAULT 1,
    first_seen  timestamptz NOT NULL DEFAULT now()
);

-- Every edit keeps what was there before.
CREATE TABLE feedback_revisions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feedback_id bigint NOT NULL REFERENCES feedback (id) ON DELETE CASCADE,
    editor_id   text NOT NULL,
    edited_at   timestamptz NOT NULL DEFAULT now(),
    -- The edit modal's view id: a repeated submission records nothing new.
    view_id     text NOT NULL UNIQUE,
    previous    jsonb NOT NULL
);
CREATE INDEX feedback_revisions_feedback ON feedback_revisions (feedback_id, edited_at);

-- Themes found in a record's text, by method; (re)tagging replaces a method's rows.
CREATE TABLE feedback_themes (
    feedback_id bigint NOT NULL REFERENCES feedback (id) ON DELETE CASCADE,
    theme_id    bigint NOT NULL REFERENCES themes (id),
    method      text NOT NULL CHECK (method IN ('offline', 'llm')),
    confidence  real NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    rank        smallint NOT NULL CHECK (rank >= 1),
    tagged_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (feedback_id, method, theme_id)
);
CREATE INDEX feedback_themes_theme ON feedback_themes (theme_id);

CREATE TABLE escalations (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    reporter_id      text NOT NULL CHECK (reporter_id <> ''),
    team             text NOT NULL CHECK (team <> ''),
    account          text NOT NULL DEFAULT '',
    severity         text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    revenue_at_risk  numeric(18, 2) CHECK (revenue_at_risk >= 0),
    currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    summary          text NOT NULL CHECK (btrim(summary) <> ''),
    needed           text NOT NULL DEFAULT '',
    hide_name        boolean NOT NULL DEFAULT false,
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved', 'wont_fix')),
    owner_id         text,
    ack_due_at       timestamptz NOT NULL,
    resolve_due_at   timestamptz NOT NULL,
    acknowledged_at  timestamptz,
    -- When it was closed, as resolved or won't fix.
    resolved_at      timestamptz,
    resolution       text NOT NULL DEFAULT '',
    -- The channel message it lives in, once posted.
    channel_id       text,
    message_ts       text,
    last_reminded_at timestamptz,
    source           text NOT NULL DEFAULT 'slash_command' CHECK (source IN ('slash_command', 'app_home', 'import', 'demo')),
    idempotency_key  text NOT NULL UNIQUE,
    CHECK (ack_due_at >= created_at AND resolve_due_at >= created_at),
    CHECK ((status IN ('resolved', 'wont_fix')) = (resolved_at IS NOT NULL)),
    CHECK (status = 'open' OR owner_id IS NOT NULL OR status IN ('resolved', 'wont_fix'))
);
CREATE INDEX escalations_created_at ON escalations (created_at);
CREATE INDEX escalations_team_status ON escalations (team, status);
CREATE INDEX escalations_open_due ON escalations (ack_due_at, resolve_due_at) WHERE status IN ('open', 'acknowledged');
CREATE INDEX escalations_reporter ON escalations (reporter_id, created_at DESC);
CREATE INDEX escalations_resolved_at ON escalations (resolved_at) WHERE resolved_at IS NOT NULL;

-- The accountability record: append-only.
CREATE TABLE escalation_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    escalation_id bigint NOT NULL REFERENCES escalations (id) ON DELETE CASCADE,
    at            timestamptz NOT NULL DEFAULT now(),
    actor_id      text NOT NULL,
    action        text NOT NULL CHECK (action IN ('raised', 'acknowledged', 'resolved', 'wont_fix', 'reassigned', 'reminded', 'reposted')),
    from_status   text,
    to_status     text NOT NULL,
    from_team     text,
    to_team       text,
    note          text NOT NULL DEFAULT ''
);
CREATE INDEX escalation_events_escalation ON escalation_events (escalation_id, at);
CREATE INDEX escalation_events_at ON escalation_events (at);

-- Only the privacy commands (forget, purge), which set vosbot.privacy for their
-- transaction, may change or delete audit-trail rows.
CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('vosbot.privacy', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER escalation_events_append_only BEFORE UPDATE OR DELETE ON escalation_events
    FOR EACH ROW EXECUTE FUNCTION forbid_change();

CREATE TABLE llm_usage (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                timestamptz NOT NULL DEFAULT now(),
    model             text NOT NULL,
    purpose           text NOT NULL,
    prompt_tokens     integer NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
    completion_tokens integer NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
    total_tokens      integer NOT NULL DEFAULT 0 CHECK (total_tokens >= 0),
    duration_ms       integer NOT NULL DEFAULT 0,
    ok                boolean NOT NULL,
    error             text NOT NULL DEFAULT ''
);
CREATE INDEX llm_usage_at ON llm_usage (at);

-- One row per channel and period: the guard that posts a digest exactly once.
CREATE TABLE digest_runs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel_id   text NOT NULL,
    period_start timestamptz NOT NULL,
    period_end   timestamptz NOT NULL,
    status       text NOT NULL DEFAULT 'posting' CHECK (status IN ('posting', 'posted', 'failed')),
    message_ts   text,
    late         boolean NOT NULL DEFAULT false,
    forced       boolean NOT NULL DEFAULT false,
    attempts     integer NOT NULL DEFAULT 0,
    error        text NOT NULL DEFAULT '',
    started_at   timestamptz NOT NULL DEFAULT now(),
    posted_at    timestamptz,
    -- The posted digest's numbers (no names, no text), kept when records are purged.
    summary      jsonb,
    CHECK (period_end > period_start),
    CHECK ((status = 'posted') = (message_ts IS NOT NULL))
);
CREATE UNIQUE INDEX digest_runs_once ON digest_runs (channel_id, period_end) WHERE NOT forced;

-- What the privacy commands did: who (hashed, never the id), when, how much.
CREATE TABLE privacy_log (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    action   text NOT NULL CHECK (action IN ('forget', 'purge')),
    subject  text NOT NULL,
    counts   jsonb NOT NULL
);
