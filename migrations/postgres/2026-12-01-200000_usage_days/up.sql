-- Daily digests of the usage report (issue 16 item 4): for one site and one
-- local day (in the site's time zone when it was computed), the day's sums
-- the report adds up — consumption per product, sessions and line
-- quantities per group, side effects per protocol, needle length and lot,
-- sessions per treatment area — in a compact binary form (postcard). A report reads one row per day of
-- its window instead of every ledger row and session in it. Rows are a
-- cache: filled by the report (only while the site's stock version still
-- equals the one its figures were read under), deleted in the same
-- transaction as every write that changes a figure of their day (ledger
-- rows, sessions, voids, follow-ups); a row of another time zone is
-- ignored and replaced.
CREATE TABLE usage_days (
    site_id BIGINT NOT NULL,
    day DATE NOT NULL,
    time_zone TEXT NOT NULL,
    body BYTEA NOT NULL,
    PRIMARY KEY (site_id, day)
);
