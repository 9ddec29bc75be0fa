DROP INDEX session_lines_window;
ALTER TABLE session_lines DROP COLUMN performed_at;
ALTER TABLE session_lines DROP COLUMN site_id;
