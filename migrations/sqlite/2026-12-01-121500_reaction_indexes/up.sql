-- Issue 16: the usage report's reaction figures (issue 15) read from
-- covering indexes only. A session's `consume` rows give the lots it used
-- (session_id, lot_id appended to the ledger's window index) and the
-- sessions of a window carry their side effects and id in the report index.
-- Both indexes are widened, not added, so writes keep the same index count.
DROP INDEX ledger_site_kind_time;
CREATE INDEX ledger_site_kind_time ON ledger
    (site_id, kind, occurred_at, product_id, delta, session_id, lot_id);
DROP INDEX treatment_sessions_report;
CREATE INDEX treatment_sessions_report ON treatment_sessions
    (site_id, performed_at, voided_at, protocol_id, practitioner_id, needle_length, indication,
     side_effects, id);
