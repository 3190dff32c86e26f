CREATE TRIGGER recon_bank_accounts_no_delete BEFORE DELETE ON recon_bank_accounts
BEGIN
    SELECT RAISE(ABORT, 'RP003');  -- append-only
END
