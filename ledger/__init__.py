"""riskpool.ledger — the fund's double-entry core.

The ledger knows books, accounts, entries, postings and money; it never knows
loans or claims (it imports nothing from domain, reconciliation or graphql).

One write path: :meth:`riskpool.ledger.store.LedgerStore.post_many` inside the
caller's transaction — lock the balance rows in account-id order, validate,
seal in Python, insert set-based (see :mod:`riskpool.ledger.store`). The
database's half of the rules is SQL in one file per function or trigger and
dialect, ``ledger/sql/<dialect>/`` (:mod:`riskpool.dbsql`); its refusals carry
their own SQLSTATE, mapped to error codes in one table
(:data:`riskpool.errors.DATABASE_REFUSALS`).

Invariants, where each is enforced, and the test that proves it
-----------------------------------------------------------------

1. **Zero sum.** An entry's postings sum to zero in every currency, and an
   entry has at least two. *Python:* ``requests.prepare`` refuses
   ``UNBALANCED``. *Database:* when the entry row arrives (after its
   postings, see below), ``ledger_entries_check`` (PostgreSQL, once per
   statement) / ``ledger_entries_unbalanced`` (SQLite) raise ``RP001``
   (``UNBALANCED``); postings whose entry never arrives are refused at commit
   by the deferred foreign key to ``ledger_entries``.
   Tests: ``test_post.py::test_bad_requests_get_their_code_and_change_nothing``,
   ``test_database_guards.py::test_unbalanced_entry_is_refused``,
   ``test_entry_without_postings_is_refused``,
   ``test_posting_without_entry_is_refused_at_commit``,
   ``test_a_statement_s_postings_need_every_entry_at_commit``.
2. **Append-only.** ``UPDATE``/``DELETE`` (and ``TRUNCATE`` on PostgreSQL) of
   entries and postings raise ``RP003`` (``APPEND_ONLY``); postings are never
   added to an entry already written (``RP002``, ``INVALID_ENTRY``). A mistake
   is corrected by :meth:`~riskpool.ledger.store.LedgerStore.reverse`, at most
   once per entry (``UNIQUE(reverses_entry_id)``). Tests:
   ``test_entries_and_postings_are_append_only``,
   ``test_postings_cannot_be_added_to_a_posted_entry``,
   ``test_an_entry_is_reversed_at_most_once``,
   ``test_post.py::test_reverse_posts_the_opposite_once``.
3. **Exact amounts** in integer minor units (``BIGINT``), converted from
   ``Money`` only when exact (:mod:`riskpool.ledger.money`), ``INVALID_AMOUNT``
   otherwise; ``CHECK (amount <> 0)``. Tests: ``test_money.py``.
4. **Idempotency.** Every entry has a caller-chosen key, ``UNIQUE`` in the
   database; the same key and payload return the first entry, another payload
   is ``IDEMPOTENCY_CONFLICT`` (:mod:`riskpool.ledger.checks`); a concurrent
   replay loses on the unique index (SQLSTATE 23505) and
   :class:`~riskpool.ledger.service.Ledger` retries it once, finding the
   first. Tests: ``test_same_key_*``, ``test_idempotency_keys_are_unique``,
   ``test_concurrency.py::test_concurrent_replays_of_one_key_create_one_entry``.
5. **Currency.** A posting's currency is its account's: the composite
   foreign key ``(account_id, currency) → ledger_accounts(id, currency)``, on
   both dialects, which also keeps an account's id and currency and every
   account with postings. Tests: ``test_currency_mismatch_is_refused``,
   ``test_posting_currency_must_equal_the_accounts``,
   ``test_posting_to_an_account_that_does_not_exist_is_refused``,
   ``test_an_account_keeps_its_currency``,
   ``test_an_account_with_postings_is_never_deleted``.
6. **Balance flags.** ``credits_must_not_exceed_debits`` (a cash account never
   below zero) and ``debits_must_not_exceed_credits`` are checked posting by
   posting while sealing (``INSUFFICIENT_FUNDS``), against balance rows
   locked **in account-id order** (``SELECT … FOR UPDATE`` on PostgreSQL,
   ``BEGIN IMMEDIATE`` on SQLite): writers of one account queue, writers of
   unrelated accounts do not, and no lock cycle is possible. The flags are
   copied onto the account's balance row, whose ``CHECK`` constraints hold
   them against any writer, since the database moves the cached balance
   itself. Tests: ``test_no_overdraft_flag_holds_against_raw_sql``,
   ``test_cached_balance_cannot_be_set_below_zero``,
   ``test_concurrency.py::test_200_concurrent_payouts_from_50_million_exactly_50_succeed``.
7. **Tamper evidence.** Each entry stores a SHA-256 over one canonical
   encoding of itself and its postings (:func:`riskpool.ledger.hashing.entry_bytes`,
   pinned by golden vectors), and each posting carries the hash of the
   previous entry on its account (per-account chains). Sealing happens in
   one place, :mod:`riskpool.ledger.sealing`; the chain head is kept on the
   balance row (``head_hash``) by the entries trigger, so the lock returns
   it. :func:`riskpool.ledger.verify.verify` recomputes everything, heads
   included, and names the first bad entry. Tests: ``test_golden_hashes.py``,
   ``test_verify.py``, ``test_cli.py::test_verify_passes_then_names_the_tampered_entry``,
   ``test_round_trip.py::test_any_text_is_sealed_stored_and_verified_alike``.
8. **Cached balance = Σ postings**, changed only by the triggers, in the
   same transaction; ``verify`` proves it, reading everything in one snapshot
   (reads are ``REPEATABLE READ`` on PostgreSQL). Tests: ``test_verify.py``
   (``test_verify_reads_one_snapshot_while_writers_commit`` among them),
   ``test_ledger_stateful.py`` (model-based, every step).

The migrated database's functions and triggers equal their files:
``tests/test_migrations.py::test_the_migrated_database_logic_equals_its_files``.

Why postings are written first
------------------------------

SQLite has no deferred constraint triggers, so "the sum of this entry's
postings is zero" cannot be checked at commit time there. Instead the write
order makes it checkable at once on both dialects: the store writes an
entry's postings, then its entry row, and the entries trigger sums the
postings it finds. Postings may precede their entry within the transaction
but never outlive the transaction without one: the foreign key from postings
to entries is ``DEFERRABLE INITIALLY DEFERRED`` on both dialects. Postings can
never be added later: a trigger refuses a posting whose entry already exists.
Entry ids are therefore allocated before the insert (a sequence on
PostgreSQL; ``max(id)+1`` under SQLite's write lock).
"""
