-- Escalations are themed like feedback: what the dropped balls were about.

-- When each method last read an escalation. Kept apart from the escalation's row, so
-- that tagging never locks the row the owners' presses and the reminder sweep take.
CREATE TABLE escalation_tagging (
    escalation_id bigint PRIMARY KEY REFERENCES escalations (id) ON DELETE CASCADE,
    tagged_at     timestamptz,
    llm_tagged_at timestamptz
);

CREATE TABLE escalation_themes (
    escalation_id bigint NOT NULL REFERENCES escalations (id) ON DELETE CASCADE,
    theme_id      bigint NOT NULL REFERENCES themes (id),
    method        text NOT NULL CHECK (method IN ('offline', 'llm')),
    confidence    real NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    rank          smallint NOT NULL CHECK (rank >= 1),
    tagged_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (escalation_id, method, theme_id)
);
CREATE INDEX escalation_themes_theme ON escalation_themes (theme_id);
