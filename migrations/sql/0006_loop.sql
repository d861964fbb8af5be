-- Closing the loop: the reporter confirms a fix (or reopens it), unanswered reminders go
-- up the chain, and an escalation remembers whether a top performer raised it.

-- The checks that name the statuses or the audit actions are replaced by named ones.
-- They are found by what they say, not by the names PostgreSQL generated for them.
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conname, conrelid::regclass AS tbl FROM pg_constraint
             WHERE contype = 'c' AND conrelid IN ('escalations'::regclass, 'escalation_events'::regclass)
               AND (pg_get_constraintdef(oid) LIKE '%wont_fix%')
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.tbl, c.conname);
    END LOOP;
END $$;

ALTER TABLE escalations
    -- How often the reporter said "still broken".
    ADD COLUMN reopened             integer NOT NULL DEFAULT 0 CHECK (reopened >= 0),
    -- The reporter's latest words on it ("still broken: …", "please review: …").
    ADD COLUMN reporter_note        text NOT NULL DEFAULT '',
    -- Until when the reporter is asked "did this fix it?" (NULL: not asked).
    ADD COLUMN confirm_due_at       timestamptz,
    -- When the reporter confirmed the fix (or accepted a won't fix).
    ADD COLUMN confirmed_at         timestamptz,
    -- When the question went unanswered past confirm_due_at: it stays closed, unconfirmed.
    ADD COLUMN confirm_expired_at   timestamptz,
    -- When the reporter asked leadership to review a won't fix.
    ADD COLUMN review_requested_at  timestamptz,
    -- Reminders since the owners last answered; past escalate_after they go up the chain.
    ADD COLUMN unanswered_reminders integer NOT NULL DEFAULT 0 CHECK (unanswered_reminders >= 0),
    -- When a reminder first went past the owners.
    ADD COLUMN escalated_at         timestamptz,
    -- Whether its reporter was a top performer when it was raised (never recomputed).
    ADD COLUMN top_performer        boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT escalations_status_check
        CHECK (status IN ('open', 'acknowledged', 'resolved', 'confirmed', 'wont_fix')),
    ADD CONSTRAINT escalations_closed_has_resolved_at
        CHECK ((status IN ('resolved', 'confirmed', 'wont_fix')) = (resolved_at IS NOT NULL)),
    ADD CONSTRAINT escalations_owned_unless_open
        CHECK (status = 'open' OR owner_id IS NOT NULL OR status IN ('resolved', 'confirmed', 'wont_fix')),
    ADD CONSTRAINT escalations_confirmed_has_confirmed_at
        CHECK (status <> 'confirmed' OR confirmed_at IS NOT NULL);

CREATE INDEX escalations_confirm_due ON escalations (confirm_due_at)
    WHERE confirm_due_at IS NOT NULL AND confirmed_at IS NULL AND confirm_expired_at IS NULL;
CREATE INDEX escalations_escalated_at ON escalations (escalated_at) WHERE escalated_at IS NOT NULL;

ALTER TABLE escalation_events
    -- The due time a reminder was about (shown in each reader's time zone, never as text).
    ADD COLUMN due_at timestamptz,
    ADD CONSTRAINT escalation_events_action_check CHECK (action IN (
        'raised', 'acknowledged', 'resolved', 'wont_fix', 'reassigned', 'reminded', 'reposted',
        'escalated', 'confirmed', 'reopened', 'unconfirmed', 'accepted', 'review_requested'));
CREATE INDEX escalation_events_action_at ON escalation_events (action, at);

-- The reps whose escalations carry a top performer's weight, as last ranked (nightly).
-- Raising an escalation ranks afresh; this is the record of the nightly ranking.
CREATE TABLE top_performers (
    user_id     text PRIMARY KEY CHECK (user_id <> ''),
    -- ranked: by won deal value in the window; always: named in the configuration.
    why         text NOT NULL CHECK (why IN ('ranked', 'always')),
    computed_at timestamptz NOT NULL
);
