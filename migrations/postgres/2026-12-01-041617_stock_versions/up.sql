-- A counter per site (site_id 0: every site) bumped in the same transaction
-- as every change the stock dashboard shows: a ledger append moves its
-- site's counter; a quarantine or release, a catalogue change and a bulk
-- load move the global one. Servers reuse a computed dashboard while the
-- counters of its site (and the local date) are unchanged; being in the
-- database, several servers agree on them.
CREATE TABLE stock_versions (
    site_id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO stock_versions (site_id, version) VALUES (0, 1);
