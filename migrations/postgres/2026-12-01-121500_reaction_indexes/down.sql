DROP INDEX ledger_site_kind_time;
CREATE INDEX ledger_site_kind_time ON ledger (site_id, kind, occurred_at, product_id, delta);
DROP INDEX treatment_sessions_report;
CREATE INDEX treatment_sessions_report ON treatment_sessions
    (site_id, performed_at, voided_at, protocol_id, practitioner_id, needle_length, indication);
