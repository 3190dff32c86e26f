-- The cached balance moves with each posting, in the same transaction; the
-- balance row's CHECK constraints hold the balance flags (invariants 6, 8).
CREATE TRIGGER ledger_postings_inserted AFTER INSERT ON ledger_postings
BEGIN
    UPDATE ledger_balances
       SET balance = balance + NEW.amount, version = version + 1
     WHERE account_id = NEW.account_id;
END
