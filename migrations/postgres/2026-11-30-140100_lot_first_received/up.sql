-- FEFO ties go to the lot received first (DOMAIN.md): the earliest receipt
-- time of a lot, kept on the lot so allocation need not scan the ledger.
-- `db::ledger::append` lowers it with every `receive` row; an opened
-- container carries the time of the lot it came from.
ALTER TABLE lots ADD COLUMN first_received_at TIMESTAMP;
UPDATE lots SET first_received_at = (
    SELECT MIN(l.occurred_at) FROM ledger l WHERE l.lot_id = lots.id AND l.kind = 'receive'
) WHERE parent_lot_id IS NULL;
UPDATE lots SET first_received_at = (
    SELECT p.first_received_at FROM lots p WHERE p.id = lots.parent_lot_id
) WHERE parent_lot_id IS NOT NULL;
