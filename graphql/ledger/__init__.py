"""The ledger's area of the API: books, accounts with balances, journal entries."""
