-- Socket Mode envelopes already handled, by envelope id, shared by every replica: Slack
-- sends an envelope again when it did not get the ack, possibly down another replica's
-- connection, and a command must not run twice. Rows are kept an hour (Slack's retries
-- come within minutes) and deleted by a periodic job. UNLOGGED: no WAL flush on the
-- path to a modal; after a database crash the table is empty, and a redelivery in the
-- first minutes after it could be handled twice.
CREATE UNLOGGED TABLE slack_envelopes (
    envelope_id text PRIMARY KEY,
    created_at  timestamptz NOT NULL
);
CREATE INDEX slack_envelopes_created_at ON slack_envelopes (created_at);
