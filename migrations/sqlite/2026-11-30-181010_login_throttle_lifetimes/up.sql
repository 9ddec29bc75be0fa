-- Sign-in protection (issue 10): consecutive login failures per account name
-- and per client address, kept in the database so that they survive
-- restarts and are shared by every server on it (domain::throttle).
CREATE TABLE login_throttle (
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    failures BIGINT NOT NULL,
    last_failure_at TIMESTAMP NOT NULL,
    locked_at TIMESTAMP,
    PRIMARY KEY (scope, subject)
);

-- Login sessions end after an idle time and an absolute lifetime (settings).
ALTER TABLE login_sessions ADD COLUMN last_seen_at TIMESTAMP;
UPDATE login_sessions SET last_seen_at = created_at;

-- API tokens may expire.
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMP;
CREATE INDEX api_tokens_user ON api_tokens (user_id);
