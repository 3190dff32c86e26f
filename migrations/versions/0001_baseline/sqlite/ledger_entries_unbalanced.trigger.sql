-- When the entry row arrives (after its postings): it has postings, and they
-- sum to zero per currency (invariant 1).
CREATE TRIGGER ledger_entries_unbalanced AFTER INSERT ON ledger_entries
WHEN NOT EXISTS (SELECT 1 FROM ledger_postings WHERE entry_id = NEW.id)
  OR EXISTS (SELECT 1 FROM ledger_postings WHERE entry_id = NEW.id
             GROUP BY currency HAVING sum(amount) <> 0)
BEGIN
    SELECT RAISE(ABORT, 'RP001');
END
