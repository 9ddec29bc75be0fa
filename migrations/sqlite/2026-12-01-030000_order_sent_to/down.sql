ALTER TABLE purchase_orders DROP COLUMN sent_to;
