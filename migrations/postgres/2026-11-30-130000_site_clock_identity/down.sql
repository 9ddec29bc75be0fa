ALTER TABLE users DROP COLUMN digest_enabled;
ALTER TABLE users DROP COLUMN email;
ALTER TABLE users DROP COLUMN display_name;
ALTER TABLE sites DROP COLUMN digest_time;
ALTER TABLE sites DROP COLUMN email;
ALTER TABLE sites DROP COLUMN phone;
ALTER TABLE sites DROP COLUMN address;
ALTER TABLE sites DROP COLUMN time_zone;
