"""riskpool.ledger — the fund's double-entry core.

The ledger knows books, accounts, entries, postings and money; it never knows
loans or claims (it imports nothing from domain, reconciliation or graphql).

Invariants, where each is enforced, and the test that proves it
-----------------------------------------------------------------

1. **Zero sum.** An entry's postings sum to zero in every currency, and an
   entry has postings. *Service:* ``requests.prepare`` refuses ``UNBALANCED``.
   *Database:* see "Why postings are written first" below.
   Tests: ``test_post.py::test_bad_requests_get_their_code_and_change_nothing``,
   ``test_database_guards.py::test_unbalanced_entry_is_refused``,
   ``test_entry_without_postings_is_refused``,
   ``test_posting_without_entry_is_refused_at_commit``,
   ``test_postings_cannot_be_added_to_a_posted_entry``.
2. **Append-only.** ``UPDATE``/``DELETE`` (and ``TRUNCATE`` on PostgreSQL) of
   entries and postings raise ``APPEND_ONLY``; a mistake is corrected by
   :meth:`~riskpool.ledger.service.Ledger.reverse`, at most once per entry
   (``UNIQUE(reverses_entry_id)``). Tests:
   ``test_entries_and_postings_are_append_only``,
   ``test_an_entry_is_reversed_at_most_once``,
   ``test_post.py::test_reverse_posts_the_opposite_once``.
3. **Exact amounts** in integer minor units (``BIGINT``), converted from
   ``Money`` only when exact (:mod:`riskpool.ledger.money`), ``INVALID_AMOUNT``
   otherwise; ``CHECK (amount <> 0)``.
4. **Idempotency.** Every entry has a caller-chosen key, ``UNIQUE`` in the
   database; the same key and payload return the first entry, another payload
   is ``IDEMPOTENCY_CONFLICT``; concurrent replays are resolved by
   :class:`~riskpool.ledger.service.Ledger`'s retry. Tests:
   ``test_same_key_*``, ``test_idempotency_keys_are_unique``,
   ``test_concurrent_replays_of_one_key_create_one_entry``.
5. **Currency.** A posting's currency is its account's: a composite foreign
   key ``(account_id, currency) → accounts(id, currency)`` on SQLite; on
   PostgreSQL the postings trigger checks the same key once per statement
   (one probe per distinct account and currency, migration 0009), and an
   account's id, book and currency never change, nor is an account with
   postings deleted. Tests: ``test_currency_mismatch_is_refused``,
   ``test_posting_currency_must_equal_the_accounts``,
   ``test_posting_to_an_account_that_does_not_exist_is_refused``,
   ``test_an_account_keeps_its_currency``,
   ``test_an_account_with_postings_is_never_deleted``.
6. **Balance flags.** ``credits_must_not_exceed_debits`` (a cash account never
   below zero) and ``debits_must_not_exceed_credits`` are copied onto the
   account's cached-balance row, whose ``CHECK`` constraints hold them; the
   database moves the cached balance itself, by trigger (on SQLite with each
   posting; on PostgreSQL once per statement, when the entry rows arrive), so
   neither the service nor raw SQL can break a flag. Under
   concurrency the service locks balance rows in account-id order
   (``SELECT … FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite):
   writers of one account queue, writers of unrelated accounts do not, and
   no lock cycle (deadlock) is possible. Tests:
   ``test_no_overdraft_flag_holds_against_raw_sql``,
   ``test_cached_balance_cannot_be_set_below_zero``,
   ``test_200_concurrent_payouts_from_50_million_exactly_50_succeed``.
7. **Tamper evidence.** Each entry stores a SHA-256 over a canonical encoding
   of itself and its postings, and each posting carries the hash of the
   previous entry on its account (per-account chains, see
   :mod:`riskpool.ledger.hashing`). The chain head — the hash of the entry
   holding an account's last posting — is kept on its balance row
   (``head_hash``) by the entries trigger, so the balance-row lock returns it.
   Single posts on PostgreSQL are sealed by the database itself
   (``ledger_post_batch``, from the fragments of
   :func:`riskpool.ledger.hashing.seal_fragments`; concurrent posts share one
   call, see :mod:`riskpool.ledger.grouping`), ``post_many`` batches in Python
   (:mod:`riskpool.ledger.sealing`); the encoding is the same.
   :func:`riskpool.ledger.verify.verify` recomputes everything, heads
   included, and names the first bad entry. Tests: ``test_verify.py``,
   ``test_cli.py::test_verify_passes_then_names_the_tampered_entry``,
   ``test_single_post.py::test_the_database_seals_exactly_as_python_does``.
8. **Cached balance = Σ postings**, changed only by the triggers, in the
   same transaction; ``verify`` proves it, reading everything in one snapshot
   (reads are ``REPEATABLE READ`` on PostgreSQL). Tests: ``test_verify.py``
   (``test_verify_reads_one_snapshot_while_writers_commit`` among them),
   ``test_ledger_stateful.py`` (model-based, every step).

Why postings are written first
------------------------------

SQLite has no deferred constraint triggers, so "the sum of this entry's
postings is zero" cannot be checked at commit time there. Instead the write
order makes it checkable at once on both dialects: the service writes an
entry's postings, then its entry row. Postings may precede their entry within
the transaction but never outlive the transaction without one: on SQLite the
foreign key from postings to entries is ``DEFERRABLE INITIALLY DEFERRED``; on
PostgreSQL each postings statement records the range of entry ids it wrote,
and a deferred constraint trigger on that record checks the range at commit,
one query per statement rather than one key check per posting (migration
0009). When the entry row arrives, an ``AFTER INSERT``
trigger sums its postings (row-level on SQLite; statement-level with a
transition table on PostgreSQL, one check per batch) and refuses an unbalanced
or empty entry. Postings can never be added later: a trigger refuses a posting
whose entry already exists. Entry ids are therefore allocated before the
insert (a sequence on PostgreSQL; ``max(id)+1`` under SQLite's write lock).
"""
