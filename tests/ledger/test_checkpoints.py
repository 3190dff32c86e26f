"""Signed checkpoints anchor the chains outside the database (issue 16 point 8).

Each forgery leaves a ledger that plain ``verify`` accepts — a rewritten and
re-sealed history, a re-sealed last entry, a truncated tail — and
``verify_against`` names it. Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from helpers import pool_book, transfer
from sqlalchemy import text

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger import checkpoints
from riskpool.ledger.checkpoints import ChainHead
from riskpool.ledger.service import Ledger
from riskpool.ledger.verify import verify

AT = datetime(2025, 6, 30, 8, 0, tzinfo=UTC)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "auditors.md"


@pytest.fixture
async def anchored(database: Any, tmp_path: Path) -> Any:
    ledger = Ledger(database.db)
    await pool_book(ledger)
    for key, debit, credit, amount in (
        ("e1", "1002", "3001", 1000),
        ("e2", "5001", "1002", 100),
        ("e3", "5001", "1002", 200),
    ):
        await ledger.post(transfer(key, debit, credit, amount))
    private = tmp_path / "keys" / "checkpoint.pem"
    public = checkpoints.generate_key(private)
    async with database.db.transaction(write=False) as conn:
        made = await checkpoints.make(conn, checkpoints.load_private_key(private), AT)
    path = checkpoints.write(made, tmp_path / "checkpoints", AT)
    return database, ledger, checkpoints.read(path), checkpoints.load_public_key(public), path


async def _problems(database: Any, checkpoint: Any, public: Any) -> list[str]:
    async with database.db.transaction(write=False) as conn:
        assert (await verify(conn)).ok  # every forgery here passes plain verify
        return await checkpoints.verify_against(conn, checkpoint, public)


async def _drop_last(database: Any, key: str) -> None:
    """A superuser removes the entry ``key`` (the last on its accounts) and
    fixes the cached balances and chain heads, as if it had never been."""
    async with database.db.transaction() as conn:
        if database.dialect == "postgresql":
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for table in ("ledger_postings", "ledger_entries"):
                await conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))
        entry_id = (
            await conn.execute(
                text("SELECT id FROM ledger_entries WHERE idempotency_key = :k"), {"k": key}
            )
        ).scalar_one()
        rows = (
            await conn.execute(
                text(
                    "SELECT account_id, amount, prev_hash FROM ledger_postings WHERE entry_id = :e"
                ),
                {"e": entry_id},
            )
        ).all()
        for account_id, amount, prev_hash in rows:
            await conn.execute(
                text(
                    "UPDATE ledger_balances SET balance = balance - :n, version = version - 1, "
                    "head_hash = :h WHERE account_id = :a"
                ),
                {"n": amount, "h": prev_hash, "a": account_id},
            )
        await conn.execute(text("DELETE FROM ledger_postings WHERE entry_id = :e"), {"e": entry_id})
        await conn.execute(text("DELETE FROM ledger_entries WHERE id = :e"), {"e": entry_id})


async def test_an_untouched_ledger_extends_its_checkpoint(anchored: Any) -> None:
    database, ledger, checkpoint, public, _path = anchored
    await ledger.post(transfer("after", "1002", "3001", 5))  # growing is extending
    assert await _problems(database, checkpoint, public) == []


async def test_a_truncated_tail_is_caught(anchored: Any) -> None:
    database, _ledger, checkpoint, public, _path = anchored
    await _drop_last(database, "e3")
    problems = await _problems(database, checkpoint, public)
    assert any("truncated" in p and "ledger/POOL/1002" in p for p in problems), problems


async def test_a_resealed_last_entry_is_caught(anchored: Any) -> None:
    database, ledger, checkpoint, public, _path = anchored
    await _drop_last(database, "e3")
    await ledger.post(transfer("e3", "5001", "1002", 2000 // 10 * 3))  # 600, re-sealed
    problems = await _problems(database, checkpoint, public)
    assert any("rewritten" in p and "ledger/POOL/5001" in p for p in problems), problems


async def test_a_rewritten_and_resealed_history_is_caught(anchored: Any) -> None:
    database, ledger, checkpoint, public, _path = anchored
    await _drop_last(database, "e3")
    await _drop_last(database, "e2")
    await ledger.post(transfer("e2", "5001", "1002", 10))  # the amount edited…
    await ledger.post(transfer("e3", "5001", "1002", 200))  # …and every later entry re-sealed
    problems = await _problems(database, checkpoint, public)
    assert {p.split(":")[0] for p in problems} >= {"ledger/POOL/1002", "ledger/POOL/5001"}


async def test_a_checkpoint_signed_by_another_key_is_refused(anchored: Any) -> None:
    database, _ledger, checkpoint, _public, _path = anchored
    stranger = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(RiskpoolError) as refused:
        async with database.db.transaction(write=False) as conn:
            await checkpoints.verify_against(conn, checkpoint, stranger)
    assert refused.value.code is ErrorCode.VALIDATION
    forged = dict(checkpoint, document=checkpoint["document"].replace('"seq":3', '"seq":2'))
    with pytest.raises(RiskpoolError):
        async with database.db.transaction(write=False) as conn:
            await checkpoints.verify_against(conn, forged, _public)


async def test_other_chains_join_through_named_heads(anchored: Any, tmp_path: Path) -> None:
    database, _ledger, _checkpoint, public, _path = anchored
    key = checkpoints.load_private_key(tmp_path / "keys" / "checkpoint.pem")
    async with database.db.transaction(write=False) as conn:
        made = await checkpoints.make(conn, key, AT, extra={"domain/claims": ChainHead(7, "ab")})
        unchecked = await checkpoints.verify_against(conn, made, public)
        assert unchecked == ["domain/claims: no checker for 'domain' chains"]

        async def claims(_conn: Any, name: str, head: ChainHead) -> str | None:
            return None if head == ChainHead(7, "ab") else f"{name}: moved"

        assert await checkpoints.verify_against(conn, made, public, {"domain": claims}) == []
        with pytest.raises(RiskpoolError):
            await checkpoints.make(conn, key, AT, extra={"ledger/POOL/1002": ChainHead(1, "x")})


async def test_the_auditors_snippet_checks_a_signature_with_the_public_key_alone(
    anchored: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The exact Python of docs/auditors.md, run on a real checkpoint."""
    _database, _ledger, _checkpoint, _public, path = anchored
    snippet = re.search(r"<!-- checkpoint-snippet -->\s*```py\n(.*?)```", DOCS.read_text(), re.S)
    assert snippet is not None
    work = path.parent
    (work / "checkpoint.json").write_bytes(path.read_bytes())
    (work / "riskpool-checkpoint.pub").write_bytes(
        (path.parents[1] / "keys" / "checkpoint.pem.pub").read_bytes()
    )
    monkeypatch.chdir(work)
    exec(compile(snippet.group(1), "auditors.md", "exec"), {})
    assert "signature OK" in capsys.readouterr().out
    tampered = (work / "checkpoint.json").read_text().replace('\\"seq\\":3', '\\"seq\\":9')
    assert tampered != (work / "checkpoint.json").read_text()
    (work / "checkpoint.json").write_text(tampered)
    with pytest.raises(InvalidSignature):
        exec(compile(snippet.group(1), "auditors.md", "exec"), {})
