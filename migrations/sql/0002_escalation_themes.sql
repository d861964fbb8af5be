-- Escalations are themed like feedback: what the dropped balls were about.
ALTER TABLE escalations ADD COLUMN tagged_at timestamptz, ADD COLUMN llm_tagged_at timestamptz;

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
CREATE INDEX escalations_llm_pending ON escalations (created_at DESC) WHERE llm_tagged_at IS NULL;
