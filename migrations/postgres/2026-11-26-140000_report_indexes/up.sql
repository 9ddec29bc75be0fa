-- Covering indexes for the usage report (issue 5): the sessions of a site in
-- a time window and their lines are read from these indexes alone, so the
-- report's cost follows the window, not the table sizes.
CREATE INDEX treatment_sessions_report ON treatment_sessions
    (site_id, performed_at, voided_at, protocol_id, practitioner_id, needle_length, indication);
CREATE INDEX session_lines_report ON session_lines (session_id, product_id, quantity);
