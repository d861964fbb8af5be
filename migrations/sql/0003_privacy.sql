-- Privacy (issue 13). The privacy log names a forgotten person by a keyed hash
-- (HMAC-SHA256 of their Slack id under a secret of this installation), never by a bare
-- SHA-256: the ids of a workspace are few and listed in Slack, so a bare hash is undone
-- by hashing the member list. The secret is made once, by the first forget, from the
-- application's random source; it never leaves the database.
CREATE TABLE privacy_secret (
    id          smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    secret      bytea NOT NULL CHECK (length(secret) = 32),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Earlier forget rows kept a bare hash: it identifies the person, so it goes. The row,
-- its time and its counts stay.
UPDATE privacy_log SET subject = 'unkeyed hash removed by migration 0003'
WHERE subject LIKE 'sha256:%';
