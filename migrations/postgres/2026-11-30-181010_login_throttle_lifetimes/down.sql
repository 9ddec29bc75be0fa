DROP INDEX api_tokens_user;
ALTER TABLE api_tokens DROP COLUMN expires_at;
ALTER TABLE login_sessions DROP COLUMN last_seen_at;
DROP TABLE login_throttle;
