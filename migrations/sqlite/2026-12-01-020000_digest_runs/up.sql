-- The daily digest (issue 11.4): one row per site and local day, inserted
-- to claim the day before the mail is sent, so that it goes out once per
-- site per local day across restarts and several servers on one database
-- (the UNIQUE index refuses a second claim). `attempts` counts claims and
-- fences the claimer: a run is finished only by the claim that holds it.
-- status: sending (claimed), sent, empty (nothing to send),
-- no_recipients, failed (may be claimed again later).
CREATE TABLE digest_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id BIGINT NOT NULL REFERENCES sites(id),
    local_date DATE NOT NULL,
    status TEXT NOT NULL,
    claimed_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 1,
    recipients TEXT,
    alerts INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX digest_runs_site_day ON digest_runs (site_id, local_date);
