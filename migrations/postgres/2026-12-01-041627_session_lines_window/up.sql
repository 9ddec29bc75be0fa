-- Issue 16: a session's lines carry its site and time, so that the usage
-- report reads the lines of a window as one range of the covering index
-- below instead of looking them up session by session. Written with the
-- line (a session's site and time never change).
ALTER TABLE session_lines ADD COLUMN site_id BIGINT, ADD COLUMN performed_at TIMESTAMP;
UPDATE session_lines l SET site_id = s.site_id, performed_at = s.performed_at
    FROM treatment_sessions s WHERE s.id = l.session_id;
CREATE INDEX session_lines_window ON session_lines
    (site_id, performed_at, session_id, product_id, quantity);
