-- An entry posts only to accounts of its own book.
CREATE TRIGGER ledger_entries_cross_book AFTER INSERT ON ledger_entries
WHEN EXISTS (SELECT 1 FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
             WHERE p.entry_id = NEW.id AND a.book_id <> NEW.book_id)
BEGIN
    SELECT RAISE(ABORT, 'RP002');
END
