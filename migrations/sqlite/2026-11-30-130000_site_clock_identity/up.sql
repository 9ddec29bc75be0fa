-- Issue 11: each site keeps its own clock (an IANA time zone; stored times
-- stay UTC) and identity (address, phone, e-mail for the after-care sheet
-- and purchase orders) and the local time its daily digest goes out.
-- Users get a display name ("Treated by Pia Novak"), an e-mail address and
-- a way to turn the digest off. Existing sites keep UTC, as before.
ALTER TABLE sites ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE sites ADD COLUMN address TEXT;
ALTER TABLE sites ADD COLUMN phone TEXT;
ALTER TABLE sites ADD COLUMN email TEXT;
ALTER TABLE sites ADD COLUMN digest_time TEXT NOT NULL DEFAULT '07:30';
ALTER TABLE users ADD COLUMN display_name TEXT;
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN digest_enabled BOOLEAN NOT NULL DEFAULT TRUE;
