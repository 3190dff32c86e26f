-- Every account has exactly one cached balance row, carrying its balance
-- flags, whose CHECK constraints hold them (invariant 6).
CREATE TRIGGER ledger_accounts_opened AFTER INSERT ON ledger_accounts
BEGIN
    INSERT INTO ledger_balances (account_id, balance, version,
        debits_must_not_exceed_credits, credits_must_not_exceed_debits)
    VALUES (NEW.id, 0, 0, NEW.debits_must_not_exceed_credits,
        NEW.credits_must_not_exceed_debits);
END
