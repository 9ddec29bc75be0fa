ALTER TABLE products DROP COLUMN max_contact_minutes;
ALTER TABLE treatment_sessions DROP COLUMN anaesthetic_contact_minutes;
ALTER TABLE treatment_sessions DROP COLUMN anaesthetic_applied_at;
ALTER TABLE treatment_sessions DROP COLUMN duration_minutes;
DROP TABLE session_areas;
DROP TABLE treatment_areas;
