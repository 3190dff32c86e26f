"""Matching runs in the database: auto-confirm, proposals, four eyes, at most once, dry runs."""

from __future__ import annotations

from typing import Any

import pytest
from recon_db import MARCH, counts, service, statement
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.reconciliation import tables
from riskpool.reconciliation.records import MatchStatus
from riskpool.reconciliation.service import ReconciliationService
from riskpool.reconciliation.store import ReconciliationStore


async def imported(database: Any) -> ReconciliationService:
    recon = await service(database.db)
    await recon.import_file("alice", statement(MARCH), filename="march.sta")
    return recon


async def test_exact_matches_confirm_themselves_and_the_rest_are_proposals(database: Any) -> None:
    recon = await imported(database)
    result = (await recon.run("alice"))[0]
    run = result.run
    assert run.id is not None and not run.dry_run and run.actor == "alice"
    assert (run.lines_considered, run.postings_considered) == (3, 3)
    assert (run.matches, run.auto_confirmed, run.proposals) == (3, 2, 1)
    by_rule = {m.rule: m for m in result.matches}
    exact, proposal = by_rule["reference"], by_rule["amount_date"]
    assert exact.status is MatchStatus.CONFIRMED and exact.auto_confirmed
    assert proposal.status is MatchStatus.PROPOSED and not proposal.auto_confirmed
    # Rule, version, score and its components are stored and read back as they were made.
    (stored,) = await recon.proposals()
    assert stored.id == proposal.id
    assert (stored.rule, stored.rule_version, stored.score) == ("amount_date", 1, proposal.score)
    assert dict(stored.components) == dict(proposal.components)
    assert stored.run_actor == "alice"
    assert [i.reference for i in stored.items] == ["INT-Q1"]
    # A second run finds nothing left to match.
    again = (await recon.run("alice"))[0]
    assert (again.run.lines_considered, again.run.matches) == (0, 0)
    assert [r.id for r in await recon.runs()] == [again.run.id, run.id]


async def test_four_eyes_the_runner_may_not_confirm(database: Any) -> None:
    recon = await imported(database)
    (proposal,) = [
        m for m in (await recon.run("alice"))[0].matches if m.id and not m.auto_confirmed
    ]
    assert proposal.id is not None
    with pytest.raises(RiskpoolError) as refused:
        await recon.confirm("alice", proposal.id)
    assert refused.value.code is ErrorCode.FORBIDDEN
    confirmed = await recon.confirm("bob", proposal.id, "interest per the bank's advice")
    assert confirmed.status is MatchStatus.CONFIRMED
    assert confirmed.decision is not None and confirmed.decision.actor == "bob"
    with pytest.raises(RiskpoolError) as twice:
        await recon.reject("carol", proposal.id, "no")
    assert twice.value.code is ErrorCode.INVALID_TRANSITION


async def test_a_rejected_proposal_frees_its_items_and_is_not_proposed_again(
    database: Any,
) -> None:
    recon = await imported(database)
    (proposal,) = [m for m in (await recon.run("alice"))[0].matches if not m.auto_confirmed]
    assert proposal.id is not None
    with pytest.raises(RiskpoolError) as no_reason:
        await recon.reject("alice", proposal.id, " ")
    assert no_reason.value.code is ErrorCode.VALIDATION
    rejected = await recon.reject("alice", proposal.id, "not this interest")
    assert rejected.status is MatchStatus.REJECTED
    again = (await recon.run("alice"))[0]
    assert (again.run.lines_considered, again.run.postings_considered) == (1, 1)
    assert (again.run.matches, again.run.skipped_rejected) == (0, 1)
    with pytest.raises(RiskpoolError) as late:
        await recon.confirm("bob", proposal.id)
    assert late.value.code is ErrorCode.INVALID_TRANSITION


async def test_a_line_is_in_at_most_one_live_match_enforced_by_the_database(
    database: Any,
) -> None:
    recon = await imported(database)
    result = (await recon.run("alice"))[0]
    (proposal,) = [m for m in result.matches if not m.auto_confirmed]
    assert proposal.id is not None and proposal.run_id is not None
    async with database.db.transaction(write=False) as conn:
        member = (
            await conn.execute(
                select(tables.members.c.line_id).where(
                    tables.members.c.match_id == proposal.id,
                    tables.members.c.line_id.is_not(None),
                )
            )
        ).scalar_one()
    # The store refuses a second live match with the proposal's line …
    with pytest.raises(RiskpoolError) as taken:
        async with database.db.transaction() as conn:
            store = ReconciliationStore(conn)
            await store.add_members(proposal.id, [member], [])
    assert taken.value.code is ErrorCode.ALREADY_MATCHED
    # … and so does the database itself, whoever writes.
    with pytest.raises(IntegrityError):
        async with database.db.transaction() as conn:
            await conn.execute(insert(tables.members).values(match_id=proposal.id, line_id=member))
    # Once rejected, the line is free: another match may take it; the rejected one
    # can then never be confirmed.
    await recon.reject("bob", proposal.id, "wrong")
    async with database.db.transaction() as conn:
        await ReconciliationStore(conn).add_members(proposal.id, [member], [])
    with pytest.raises(RiskpoolError) as refused:
        await recon.confirm("bob", proposal.id)
    assert refused.value.code is ErrorCode.INVALID_TRANSITION


async def test_a_dry_run_changes_nothing(database: Any) -> None:
    recon = await imported(database)
    before = await counts(database.db)
    dry = (await recon.run("alice", dry_run=True))[0]
    assert dry.run.dry_run and dry.run.id is None
    assert (dry.run.matches, dry.run.auto_confirmed) == (3, 2)
    assert all(m.id is None for m in dry.matches)
    assert await counts(database.db) == before
    real = (await recon.run("alice"))[0]
    assert [m.match_key for m in real.matches] == [m.match_key for m in dry.matches]


async def test_the_acting_person_must_be_named(database: Any) -> None:
    recon = await imported(database)
    with pytest.raises(RiskpoolError) as refused:
        await recon.run("")
    assert refused.value.code is ErrorCode.VALIDATION


async def test_unknown_match_is_not_found(database: Any) -> None:
    recon = await imported(database)
    with pytest.raises(RiskpoolError) as refused:
        await recon.confirm("bob", 424242)
    assert refused.value.code is ErrorCode.NOT_FOUND
