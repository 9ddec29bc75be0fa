DROP INDEX ledger_receive_lot;
