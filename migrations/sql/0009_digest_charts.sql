-- Each chart of a posted digest, uploaded into its thread once: the file Slack gave it
-- (recorded before the upload is completed, so that a retry after a crash finds it in
-- the thread instead of posting it twice) and whether it is posted.
CREATE TABLE digest_charts (
    run_id     bigint NOT NULL REFERENCES digest_runs (id) ON DELETE CASCADE,
    name       text NOT NULL,
    file_id    text NOT NULL,
    status     text NOT NULL CHECK (status IN ('uploaded', 'posted')),
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (run_id, name)
);
