-- One row that GET /health rewrites (at most about once a second) to prove
-- that the database still takes a committed write: a rolled-back write
-- proves nothing on a full disk, where only the commit reaches the file.
CREATE TABLE health_probe (
    id BIGINT PRIMARY KEY,
    checked_at TIMESTAMP NOT NULL
);
INSERT INTO health_probe (id, checked_at) VALUES (1, CURRENT_TIMESTAMP);
