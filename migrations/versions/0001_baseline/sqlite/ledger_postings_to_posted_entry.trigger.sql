-- Postings are written before their entry and never added to an entry
-- already written (see riskpool.ledger).
CREATE TRIGGER ledger_postings_to_posted_entry BEFORE INSERT ON ledger_postings
WHEN EXISTS (SELECT 1 FROM ledger_entries WHERE id = NEW.entry_id)
BEGIN
    SELECT RAISE(ABORT, 'RP002');
END
