-- Issue 16: the stock API values each product's stock from its lots'
-- costed receipts (`services::stock_value`). Those are the ledger's
-- `receive` rows of the lots; reached through `ledger_lot_location` they
-- meant reading every movement of every lot on the page (≈50,000 rows and
-- 150 ms for 25 products at 1M ledger rows). A partial index holds only
-- the receive rows (one per receipt), so the lookup is one short range per
-- lot and a session's `consume` rows add nothing to it.
CREATE INDEX ledger_receive_lot ON ledger (lot_id, receipt_id, delta) WHERE kind = 'receive';
