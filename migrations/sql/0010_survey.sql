-- The buyer survey (issue 19): a link a rep sends to the buyer of a closed deal, and the
-- buyer's answer, stored as feedback with source buyer_survey.

CREATE TABLE survey_links (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- SHA-256 of the token: the token itself is only ever in the rep's hands and the URL.
    -- NULL once the link expired or was revoked and the sweep deleted it; the row stays
    -- so the digest's response rate (answers per link sent) does not change.
    token_hash  bytea UNIQUE CHECK (length(token_hash) = 32),
    -- The rep's feedback item the link asks about (and its deal, when it has one).
    feedback_id bigint NOT NULL REFERENCES feedback (id) ON DELETE CASCADE,
    deal_id     bigint REFERENCES deals (id) ON DELETE SET NULL,
    created_by  text NOT NULL CHECK (created_by <> ''),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX survey_links_feedback ON survey_links (feedback_id);
CREATE INDEX survey_links_live ON survey_links (expires_at) WHERE token_hash IS NOT NULL;
CREATE INDEX survey_links_created_at ON survey_links (created_at);

-- One answer per link, whatever the tabs or retries: the primary key is the link.
CREATE TABLE survey_answers (
    link_id     bigint PRIMARY KEY REFERENCES survey_links (id) ON DELETE CASCADE,
    -- The answer as feedback (source buyer_survey); deleting it deletes this row.
    answer_id   bigint NOT NULL UNIQUE REFERENCES feedback (id) ON DELETE CASCADE,
    -- The rep's item it answers, kept when the link is deleted (expired links go).
    feedback_id bigint REFERENCES feedback (id) ON DELETE SET NULL,
    ease        smallint CHECK (ease BETWEEN 0 AND 10),
    may_quote   boolean NOT NULL DEFAULT false,
    talk_again  text NOT NULL DEFAULT '' CHECK (talk_again IN ('', 'yes', 'maybe', 'no')),
    answered_at timestamptz NOT NULL
);
CREATE INDEX survey_answers_feedback ON survey_answers (feedback_id);
