"""Ledger core: books, accounts, balances, entries, postings and their guards.

Revision ID: 0001_ledger
Revises:
Create Date: 2026-11-29

The triggers below are the database's half of the ledger invariants listed in
:mod:`riskpool.ledger`. They are written per dialect: PostgreSQL uses
statement-level triggers with transition tables (one aggregate per statement,
so a batch of 100,000 entries costs one balance update per account), SQLite
uses row-level triggers (it has no statement-level ones).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ledger_books",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_books"),
        sa.UniqueConstraint("code", name="uq_ledger_books_code"),
    )
    op.create_table(
        "ledger_accounts",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("book_id", Id, nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("parent_id", Id, nullable=True),
        sa.Column("opened_on", sa.Date, nullable=False),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("debits_must_not_exceed_credits", sa.Boolean, nullable=False),
        sa.Column("credits_must_not_exceed_debits", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_accounts"),
        sa.ForeignKeyConstraint(
            ["book_id"], ["ledger_books.id"], name="fk_ledger_accounts_book_id_ledger_books"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["ledger_accounts.id"],
            name="fk_ledger_accounts_parent_id_ledger_accounts",
        ),
        sa.UniqueConstraint("book_id", "code", name="uq_ledger_accounts_book_id_code"),
        sa.UniqueConstraint("id", "currency", name="uq_ledger_accounts_id_currency"),
        sa.CheckConstraint(
            "type IN ('asset', 'liability', 'net_assets', 'income', 'expense')",
            name="ck_ledger_accounts_type",
        ),
        sa.CheckConstraint(
            "NOT (debits_must_not_exceed_credits AND credits_must_not_exceed_debits)",
            name="ck_ledger_accounts_one_flag",
        ),
        sa.CheckConstraint(
            "closed_on IS NULL OR closed_on >= opened_on", name="ck_ledger_accounts_dates"
        ),
    )
    op.create_table(
        "ledger_balances",
        sa.Column("account_id", Id),
        sa.Column("balance", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("debits_must_not_exceed_credits", sa.Boolean, nullable=False),
        sa.Column("credits_must_not_exceed_debits", sa.Boolean, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False, server_default="0" * 64),
        sa.PrimaryKeyConstraint("account_id", name="pk_ledger_balances"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name="fk_ledger_balances_account_id_ledger_accounts",
        ),
        sa.CheckConstraint(
            "NOT credits_must_not_exceed_debits OR balance >= 0",
            name="ck_ledger_balances_credits_exceed_debits",
        ),
        sa.CheckConstraint(
            "NOT debits_must_not_exceed_credits OR balance <= 0",
            name="ck_ledger_balances_debits_exceed_credits",
        ),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.BigInteger, autoincrement=False),
        sa.Column("book_id", Id, nullable=False),
        sa.Column("effective_date", sa.Date, nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reverses_entry_id", sa.BigInteger, nullable=True),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_entries"),
        sa.ForeignKeyConstraint(
            ["book_id"], ["ledger_books.id"], name="fk_ledger_entries_book_id_ledger_books"
        ),
        sa.ForeignKeyConstraint(
            ["reverses_entry_id"],
            ["ledger_entries.id"],
            name="fk_ledger_entries_reverses_entry_id_ledger_entries",
        ),
        sa.UniqueConstraint("idempotency_key", name="uq_ledger_entries_idempotency_key"),
        sa.UniqueConstraint("reverses_entry_id", name="uq_ledger_entries_reverses_entry_id"),
    )
    op.create_index(
        "ix_ledger_entries_book_id_effective_date", "ledger_entries", ["book_id", "effective_date"]
    )
    op.create_table(
        "ledger_postings",
        sa.Column("id", Id, autoincrement=True),
        sa.Column("entry_id", sa.BigInteger, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("account_seq", sa.BigInteger, nullable=False),
        sa.Column("balance_after", sa.BigInteger, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_postings"),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entries.id"],
            deferrable=True,
            initially="DEFERRED",
            name="fk_ledger_postings_entry_id_ledger_entries",
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "currency"],
            ["ledger_accounts.id", "ledger_accounts.currency"],
            name="fk_ledger_postings_account_currency",
        ),
        sa.UniqueConstraint(
            "account_id", "account_seq", name="uq_ledger_postings_account_id_account_seq"
        ),
        sa.CheckConstraint("amount <> 0", name="ck_ledger_postings_nonzero"),
        sa.CheckConstraint("account_seq > 0", name="ck_ledger_postings_seq_positive"),
    )
    op.create_index("ix_ledger_postings_entry_id", "ledger_postings", ["entry_id"])

    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_GUARDS:
            op.execute(statement)
    else:
        for statement in SQLITE_GUARDS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS ledger_entry_id_seq")
        op.execute("DROP FUNCTION IF EXISTS ledger_write")
        op.execute("DROP FUNCTION IF EXISTS ledger_lock")
        for fn in (
            "ledger_refuse_change",
            "ledger_postings_inserted",
            "ledger_entries_inserted",
            "ledger_account_opened",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {fn}() CASCADE")
    for table in (
        "ledger_postings",
        "ledger_entries",
        "ledger_balances",
        "ledger_accounts",
        "ledger_books",
    ):
        op.drop_table(table)


# Error messages start with the ErrorCode the service maps them to, so a
# refusal by the database still reaches the client as a typed error.

POSTGRESQL_GUARDS = [
    "CREATE SEQUENCE ledger_entry_id_seq",
    # Append-only: entries and postings are never updated, deleted or truncated.
    """
    CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'APPEND_ONLY: % on % is not allowed; post a reversing entry',
            TG_OP, TG_TABLE_NAME USING ERRCODE = 'P0001';
    END $$
    """,
    """
    CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
    ON ledger_entries FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()
    """,
    """
    CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
    ON ledger_postings FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()
    """,
    # Every account has exactly one cached balance row, carrying its flags.
    """
    CREATE FUNCTION ledger_account_opened() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO ledger_balances (account_id, balance, version,
            debits_must_not_exceed_credits, credits_must_not_exceed_debits)
        VALUES (NEW.id, 0, 0, NEW.debits_must_not_exceed_credits,
            NEW.credits_must_not_exceed_debits);
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER ledger_accounts_opened AFTER INSERT ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_account_opened()
    """,
    # Postings: never added to an entry already written; the cached balance
    # moves in the same statement (its CHECKs enforce the balance flags).
    """
    CREATE FUNCTION ledger_postings_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM new_postings n JOIN ledger_entries e ON e.id = n.entry_id) THEN
            RAISE EXCEPTION 'INVALID_ENTRY: postings cannot be added to a posted entry'
                USING ERRCODE = 'P0001';
        END IF;
        UPDATE ledger_balances b
           SET balance = b.balance + s.total, version = b.version + s.n
          FROM (SELECT account_id, sum(amount) AS total, count(*) AS n
                  FROM new_postings GROUP BY account_id) s
         WHERE b.account_id = s.account_id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER ledger_postings_inserted AFTER INSERT ON ledger_postings
    REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_postings_inserted()
    """,
    # Entries are written after their postings: check them all at once, then
    # move the touched accounts' chain heads (ledger_balances.head_hash).
    """
    CREATE FUNCTION ledger_entries_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        bad bigint;
    BEGIN
        SELECT e.id INTO bad
          FROM new_entries e LEFT JOIN ledger_postings p ON p.entry_id = e.id
         GROUP BY e.id, p.currency
        HAVING count(p.id) = 0 OR sum(p.amount) <> 0
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'UNBALANCED: entry % has no postings or does not sum to zero', bad
                USING ERRCODE = 'P0001';
        END IF;
        SELECT e.id INTO bad
          FROM new_entries e
          JOIN ledger_postings p ON p.entry_id = e.id
          JOIN ledger_accounts a ON a.id = p.account_id
         WHERE a.book_id <> e.book_id
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'INVALID_ENTRY: entry % posts to an account of another book', bad
                USING ERRCODE = 'P0001';
        END IF;
        -- Chain heads: each touched account's head is the hash of the entry
        -- holding its highest-numbered posting among the new entries.
        UPDATE ledger_balances b
           SET head_hash = s.entry_hash
          FROM (SELECT DISTINCT ON (p.account_id) p.account_id, e.entry_hash
                  FROM new_entries e JOIN ledger_postings p ON p.entry_id = e.id
                 ORDER BY p.account_id, p.account_seq DESC) s
         WHERE b.account_id = s.account_id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER ledger_entries_inserted AFTER INSERT ON ledger_entries
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_inserted()
    """,
    # The service's read-and-lock step, one round trip. Rows of four kinds, by
    # r_kind: 0 = an account posted to, its balance row locked; 1 = an
    # idempotency key already used (r_t1 key, r_t2 payload hash); 2 = a book;
    # 3 = a fresh entry id. Balance rows are locked in account-id order (the
    # ORDER BY sits below the lock), so writers cannot deadlock. Balance,
    # version and chain head are read from the locked row itself: after waiting
    # for another writer, READ COMMITTED returns the row that writer committed.
    # The joined account rows may be of the statement's older snapshot, which
    # is harmless: an account's id, code and currency never change, its flags
    # are read from the balance row, and its closing date is read as of the
    # statement start, as it always was. It only reads and locks; it holds no
    # rule. SET: plan once per session (re-planning cost more than running it),
    # and with index probes only, whatever the table sizes were at that time.
    """
    CREATE FUNCTION ledger_lock(
        p_keys text[], p_books varchar[], p_codes varchar[], p_book_codes text[], p_ids int
    ) RETURNS TABLE (
        r_kind int, r_id bigint, r_balance bigint, r_version bigint, r_t1 text, r_t2 text,
        r_t3 text, r_t4 text, r_d1 date, r_d2 date, r_f1 boolean, r_f2 boolean
    ) LANGUAGE plpgsql
      SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
    BEGIN
        RETURN QUERY
        WITH wanted AS MATERIALIZED (
            SELECT a.id, k.code AS book_code, a.code, a.currency, a.opened_on, a.closed_on
              FROM unnest(p_books, p_codes) AS w(book, code)
              JOIN ledger_books k ON k.code = w.book
              CROSS JOIN LATERAL (  -- OFFSET 0: one unique-index probe per pair
                    SELECT * FROM ledger_accounts a
                     WHERE a.book_id = k.id AND a.code = w.code OFFSET 0
              ) a
        ), locked AS MATERIALIZED (
            SELECT b.account_id, b.balance, b.version, b.head_hash,
                   b.debits_must_not_exceed_credits, b.credits_must_not_exceed_debits
              FROM ledger_balances b
             WHERE b.account_id IN (SELECT wanted.id FROM wanted)
             ORDER BY b.account_id
               FOR UPDATE
        )
        SELECT 0, w.id::bigint, l.balance, l.version, w.book_code::text, w.code::text,
               w.currency::text, l.head_hash::text, w.opened_on, w.closed_on,
               l.debits_must_not_exceed_credits, l.credits_must_not_exceed_debits
          FROM wanted w JOIN locked l ON l.account_id = w.id
        UNION ALL
        SELECT 1, e.id, NULL, NULL, e.idempotency_key::text, e.payload_hash::text,
               NULL, NULL, NULL, NULL, NULL, NULL
          FROM ledger_entries e WHERE e.idempotency_key = ANY(p_keys)
        UNION ALL
        SELECT 2, k.id::bigint, NULL, NULL, k.code::text, NULL, NULL, NULL, NULL, NULL,
               NULL, NULL
          FROM ledger_books k WHERE k.code = ANY(p_book_codes)
        UNION ALL
        SELECT 3, nextval('ledger_entry_id_seq'), NULL, NULL, NULL, NULL, NULL, NULL, NULL,
               NULL, NULL, NULL
          FROM generate_series(1, p_ids);
    END $$
    """,
    # The service's write, one round trip: the postings, then their entries, as
    # two set-based statements (each fires its statement trigger once). A
    # convenience only: it holds no rule the triggers above do not enforce.
    """
    CREATE FUNCTION ledger_write(
        p_entry bigint[], p_account bigint[], p_currency text[], p_amount bigint[],
        p_seq bigint[], p_after bigint[], p_prev text[],
        e_booked_at timestamptz, e_id bigint[], e_book bigint[], e_date date[],
        e_description text[], e_metadata text[], e_key text[], e_payload text[],
        e_actor text[], e_reverses bigint[], e_hash text[]
    ) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO ledger_postings (entry_id, account_id, currency, amount, account_seq,
                                     balance_after, prev_hash)
        SELECT * FROM unnest(p_entry, p_account, p_currency, p_amount, p_seq, p_after, p_prev);
        INSERT INTO ledger_entries (id, book_id, effective_date, booked_at, description,
                                    metadata, idempotency_key, payload_hash, actor,
                                    reverses_entry_id, entry_hash)
        SELECT u.id, u.book_id, u.effective_date, e_booked_at, u.description, u.metadata::json,
               u.idempotency_key, u.payload_hash, u.actor, u.reverses, u.entry_hash
          FROM unnest(e_id, e_book, e_date, e_description, e_metadata, e_key, e_payload,
                      e_actor, e_reverses, e_hash)
               AS u(id, book_id, effective_date, description, metadata, idempotency_key,
                    payload_hash, actor, reverses, entry_hash);
    END $$
    """,
]

SQLITE_GUARDS = [
    *(
        f"""
        CREATE TRIGGER {table}_no_{op_name} BEFORE {op_name.upper()} ON {table}
        BEGIN
            SELECT RAISE(ABORT,
                'APPEND_ONLY: {op_name.upper()} on {table} is not allowed; post a reversing entry');
        END
        """
        for table in ("ledger_entries", "ledger_postings")
        for op_name in ("update", "delete")
    ),
    """
    CREATE TRIGGER ledger_accounts_opened AFTER INSERT ON ledger_accounts
    BEGIN
        INSERT INTO ledger_balances (account_id, balance, version,
            debits_must_not_exceed_credits, credits_must_not_exceed_debits)
        VALUES (NEW.id, 0, 0, NEW.debits_must_not_exceed_credits,
            NEW.credits_must_not_exceed_debits);
    END
    """,
    """
    CREATE TRIGGER ledger_postings_to_posted_entry BEFORE INSERT ON ledger_postings
    WHEN EXISTS (SELECT 1 FROM ledger_entries WHERE id = NEW.entry_id)
    BEGIN
        SELECT RAISE(ABORT, 'INVALID_ENTRY: postings cannot be added to a posted entry');
    END
    """,
    """
    CREATE TRIGGER ledger_postings_inserted AFTER INSERT ON ledger_postings
    BEGIN
        UPDATE ledger_balances
           SET balance = balance + NEW.amount, version = version + 1
         WHERE account_id = NEW.account_id;
    END
    """,
    """
    CREATE TRIGGER ledger_entries_unbalanced AFTER INSERT ON ledger_entries
    WHEN NOT EXISTS (SELECT 1 FROM ledger_postings WHERE entry_id = NEW.id)
      OR EXISTS (SELECT 1 FROM ledger_postings WHERE entry_id = NEW.id
                 GROUP BY currency HAVING sum(amount) <> 0)
    BEGIN
        SELECT RAISE(ABORT, 'UNBALANCED: entry has no postings or does not sum to zero');
    END
    """,
    """
    CREATE TRIGGER ledger_entries_chain_head AFTER INSERT ON ledger_entries
    BEGIN
        UPDATE ledger_balances SET head_hash = NEW.entry_hash
         WHERE account_id IN (SELECT account_id FROM ledger_postings WHERE entry_id = NEW.id);
    END
    """,
    """
    CREATE TRIGGER ledger_entries_cross_book AFTER INSERT ON ledger_entries
    WHEN EXISTS (SELECT 1 FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
                 WHERE p.entry_id = NEW.id AND a.book_id <> NEW.book_id)
    BEGIN
        SELECT RAISE(ABORT, 'INVALID_ENTRY: entry posts to an account of another book');
    END
    """,
]
