DROP INDEX IF EXISTS session_lines_report;
DROP INDEX IF EXISTS treatment_sessions_report;
