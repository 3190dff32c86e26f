-- The chain head of every account the entry posts to becomes its hash
-- (invariant 7): the balance row the next writer locks carries it.
CREATE TRIGGER ledger_entries_chain_head AFTER INSERT ON ledger_entries
BEGIN
    UPDATE ledger_balances SET head_hash = NEW.entry_hash
     WHERE account_id IN (SELECT account_id FROM ledger_postings WHERE entry_id = NEW.id);
END
