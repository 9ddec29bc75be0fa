-- Issue 11 part 5: an order e-mailed to its supplier from the app records
-- the address it went to (sent_at says when). NULL: marked as sent by hand
-- (the e-mail text was copied into a mail program), or not sent yet.
ALTER TABLE purchase_orders ADD COLUMN sent_to TEXT;
