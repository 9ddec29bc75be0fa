ALTER TABLE lots DROP COLUMN first_received_at;
