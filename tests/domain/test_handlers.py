"""The use cases on an in-memory unit of work: no database, the same handlers and bus.

One loan's whole life — grant, pool entry, disbursement, overdue, claim,
audit, review, approval, payment, recovery — runs through the bus, and the
ledger postings each step recorded are checked figure by figure; then the
bus's own promises: one unit of work per command (a refusal leaves nothing),
replays answered from the idempotency record (with the clock moved on),
permissions from the one table, one retry after a race.
"""

from __future__ import annotations

import inspect
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from fake_uow import FakeUnitOfWork, Store
from moneyed import Money

from riskpool.domain import commands
from riskpool.domain.commands import Command, claims, fingerprint, funds, loans, parties, payload
from riskpool.domain.commands import guarantees as guarantee_commands
from riskpool.domain.commands import innovation as innovation_commands
from riskpool.domain.handlers.bus import MessageBus
from riskpool.domain.handlers.ports import IdempotencyRace
from riskpool.domain.handlers.routes import ROUTES
from riskpool.domain.model.chart import Acct, BookCode
from riskpool.domain.model.claim import ClaimState
from riskpool.domain.model.innovation.catalogue import NATIONAL_CORE, IndicatorGroup, Stage, Unit
from riskpool.domain.model.parties import Actor, InstitutionKind, Role
from riskpool.domain.model.policy import LoanType
from riskpool.domain.model.uscc import generate_uscc
from riskpool.errors import ErrorCode, RiskpoolError

OPERATOR = Actor(Role.OPERATOR, "operator")
FINANCE = Actor(Role.FINANCE_BUREAU, "finance")
SCIENCE = Actor(Role.SCIENCE_BUREAU, "science")
AUDITOR = Actor(Role.AUDITOR, "auditor")
CITY = Actor(Role.CITY_GOVERNMENT, "city")
RESERVE = BookCode.ZKD_RESERVE.value
T = TypeVar("T")


def cny(value: str) -> Money:
    return Money(Decimal(value), "CNY")


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 5, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bus(store: Store, clock: Clock) -> MessageBus:
    return MessageBus(lambda: FakeUnitOfWork(store, clock.now), ROUTES)


async def _imported(bus: MessageBus, day: date, command: Command[T], actor: Actor) -> T:
    """History: ``command`` as ``actor`` did it on ``day``, through the import path."""
    return await bus.import_history(command, actor, at=at(day), importer=OPERATOR)


async def _on(bus: MessageBus, clock: Clock, day: date, command: Command[T], actor: Actor) -> T:
    """``command`` sent live with the server's clock moved to 10:00 Beijing on ``day``."""
    clock.now = at(day)
    return await bus.handle(command, actor)


async def _funded_loan(bus: MessageBus) -> tuple[Actor, int]:
    """A funded reserve and a 1.0 loan of 郑州银行, disbursed and overdue (imported history)."""
    await bus.handle(funds.SetUpChart(), OPERATOR)
    for n, amount in enumerate(("30000000.00", "30000000.00", "40000000.00"), 1):
        day = date(2018 + n, 6, 1)
        tranche = funds.ReserveTranche(n, day, cny(amount), f"tranche-{n}")
        await _imported(bus, day, tranche, FINANCE)
    bank = await _imported(
        bus,
        date(2018, 10, 1),
        parties.RegisterInstitution("郑州银行", InstitutionKind.BANK, date(2018, 10, 1)),
        OPERATOR,
    )
    firm = await _imported(
        bus,
        date(2018, 10, 1),
        parties.RegisterFirm("甲科技", generate_uscc(1), "电子信息", cny("30000000.00")),
        OPERATOR,
    )
    assert bank.id is not None and firm.id is not None
    teller = Actor(Role.INSTITUTION, "teller", bank.id)
    loan = await _imported(
        bus,
        date(2023, 1, 10),
        loans.GrantLoan(
            "ZZB-1", bank.id, firm.id, LoanType.BANK_DIRECT, cny("5000000.00"),
            date(2023, 1, 10), date(2025, 1, 10),
        ),
        teller,
    )  # fmt: skip
    assert loan.id is not None
    entered = await _imported(bus, date(2023, 1, 15), loans.EnterPool(loan.id), teller)
    assert entered.pool_entry is not None and entered.pool_entry.policy_code == "ZKD-1.0"
    assert entered.pool_entry.on == date(2023, 1, 15)
    disburse = loans.DisburseLoan(loan.id, date(2023, 1, 20), cny("3000000.00"), "disburse")
    await _imported(bus, date(2023, 1, 20), disburse, teller)
    await _imported(bus, date(2024, 3, 1), loans.MarkOverdue(loan.id, date(2024, 3, 1)), teller)
    return teller, loan.id


async def _approved_claim(
    bus: MessageBus, clock: Clock, teller: Actor, loan_id: int, loss: str
) -> int:
    claim = await _on(
        bus, clock, date(2024, 5, 10), claims.SubmitClaim(loan_id, cny(loss), "申请材料", "submit"),
        teller,
    )  # fmt: skip
    assert claim.id is not None and claim.state is ClaimState.SUBMITTED
    steps: list[tuple[date, Actor, Command[Any]]] = [
        (date(2024, 5, 15), OPERATOR, claims.CommissionAudit(claim.id, "commission")),
        (date(2024, 6, 1), AUDITOR, claims.RecordAudit(claim.id, "AUD-1", cny(loss), "audit")),
        (
            date(2024, 6, 20),
            SCIENCE,
            claims.ReviewClaim(claim.id, "同意", "财-1", "finance", "review"),
        ),
        (date(2024, 7, 5), CITY, claims.ApproveClaim(claim.id, "市政府-1", "approve")),
    ]
    for day, actor, step in steps:
        claim = await _on(bus, clock, day, step, actor)
    assert claim.state is ClaimState.APPROVED
    return claim.id


async def test_a_loan_from_grant_to_recovery_posts_what_the_policy_says(
    bus: MessageBus, store: Store, clock: Clock
) -> None:
    teller, loan_id = await _funded_loan(bus)
    claim_id = await _approved_claim(bus, clock, teller, loan_id, "1624125.00")
    paid = await _on(
        bus, clock, date(2024, 7, 20), claims.PayClaim(claim_id, "PAY-1", "pay"), OPERATOR
    )
    assert paid.state is ClaimState.PAID and paid.paid_amount == cny("1299300.00")  # 80%

    # Recovered after compensation: the reserve gets its pro-rata share back.
    await _on(
        bus,
        clock,
        date(2024, 9, 1),
        loans.RecordRecovery(loan_id, date(2024, 9, 1), cny("1000000.00"), "追偿-1", "recover"),
        teller,
    )

    postings = [
        (e.book, e.effective_date, [(p.account, p.amount) for p in e.postings])
        for e in store.entries
    ]
    tranches = [p for p in postings[:3]]
    assert [legs[0] for _, _, legs in tranches] == [
        (Acct.CASH, cny("30000000.00")),
        (Acct.CASH, cny("30000000.00")),
        (Acct.CASH, cny("40000000.00")),
    ]
    approval, payment, recovery = postings[3:]
    assert approval == (
        RESERVE,
        date(2024, 7, 5),
        [(Acct.COMPENSATION_EXPENSE, cny("1299300.00")),
         (Acct.COMPENSATION_PAYABLE, cny("-1299300.00"))],
    )  # fmt: skip
    assert payment == (
        RESERVE,
        date(2024, 7, 20),
        [(Acct.COMPENSATION_PAYABLE, cny("1299300.00")), (Acct.CASH, cny("-1299300.00"))],
    )
    book, day, legs = recovery
    assert (book, day) == (RESERVE, date(2024, 9, 1))  # before the fusion: the reserve
    # 1,299,300 / 1,624,125 = 80% of the 1,000,000 recovered returns.
    assert (Acct.CASH, cny("800000.00")) in legs
    ledger = FakeUnitOfWork(store, datetime.now(UTC)).ledger
    assert await ledger.balance(RESERVE, Acct.CASH) == cny("99500700.00")
    assert await ledger.balance(RESERVE, Acct.COMPENSATION_PAYABLE) == cny("0.00")
    assert all(e.actor for e in store.entries)


async def test_a_refused_command_changes_nothing_and_the_claim_stays_approved(
    bus: MessageBus, store: Store, clock: Clock
) -> None:
    teller, loan_id = await _funded_loan(bus)
    claim_id = await _approved_claim(bus, clock, teller, loan_id, "1624125.00")
    # Empty the reserve's cash so the payment would overdraw it.
    await bus.handle(
        funds.TransferReserveToPool(date(2025, 2, 10), cny("100000000.00"), "out"), FINANCE
    )
    entries, records = len(store.entries), dict(store.records)
    with pytest.raises(RiskpoolError) as refused:
        await _on(bus, clock, date(2025, 3, 1), claims.PayClaim(claim_id, "PAY-1", "pay"), OPERATOR)
    assert refused.value.code is ErrorCode.INSUFFICIENT_FUNDS
    assert len(store.entries) == entries and store.records == records
    assert store.claims[claim_id].state is ClaimState.APPROVED


async def test_permissions_come_from_the_one_table(
    bus: MessageBus, store: Store, clock: Clock
) -> None:
    teller, loan_id = await _funded_loan(bus)
    claim_id = await _approved_claim(bus, clock, teller, loan_id, "1000000.00")
    before = len(store.entries)
    for actor, command in (
        (OPERATOR, funds.TopUp(BookCode.ZKD_RESERVE, date(2024, 8, 1), cny("1.00"), "r", "k1")),
        (teller, claims.PayClaim(claim_id, "PAY", "k2")),
        (CITY, loans.MarkCurrent(loan_id)),
        (Actor(Role.VIEWER, "v"), parties.RegisterInstitution("乙", InstitutionKind.BANK)),
    ):
        with pytest.raises(RiskpoolError) as forbidden:
            await bus.handle(command, actor)
        assert forbidden.value.code is ErrorCode.FORBIDDEN, command
    assert len(store.entries) == before
    other = Actor(Role.INSTITUTION, "other bank", 999)
    with pytest.raises(RiskpoolError) as scoped:
        await bus.handle(loans.MarkCurrent(loan_id), other)
    with pytest.raises(RiskpoolError) as missing:
        await bus.handle(loans.MarkCurrent(987_654), other)
    # Another tenant's loan is refused exactly as a missing one (issue 15).
    assert scoped.value.code is ErrorCode.NOT_FOUND
    assert scoped.value.message == f"no loan #{loan_id}"
    assert missing.value.message == "no loan #987654"
    assert scoped.value.field == missing.value.field == "id"


async def test_replays_answer_from_the_record_at_the_first_time(
    bus: MessageBus, store: Store, clock: Clock
) -> None:
    teller, loan_id = await _funded_loan(bus)
    first = await bus.handle(claims.SubmitClaim(loan_id, cny("1.00"), "材料", "no-at"), teller)
    clock.now += timedelta(minutes=5)  # a retry a little later: the same request
    again = await bus.handle(claims.SubmitClaim(loan_id, cny("1.00"), "材料", "no-at"), teller)
    assert again.id == first.id
    assert again.submitted_at == first.submitted_at == at(date(2024, 5, 10))
    assert len(store.claims) == 1
    with pytest.raises(RiskpoolError) as conflict:
        await bus.handle(claims.SubmitClaim(loan_id, cny("2.00"), "材料", "no-at"), teller)
    assert conflict.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    with pytest.raises(RiskpoolError) as too_long:
        await bus.handle(claims.SubmitClaim(loan_id, cny("1.00"), "材料", "k" * 201), teller)
    assert too_long.value.field == "idempotencyKey"


async def test_another_principals_identical_key_is_a_fresh_request(
    bus: MessageBus, store: Store
) -> None:
    await bus.handle(funds.SetUpChart(), OPERATOR)
    first = await bus.handle(
        parties.RegisterInstitution("甲银行", InstitutionKind.BANK, idempotency_key="same"),
        OPERATOR,
    )
    other = Actor(Role.OPERATOR, "another operator")
    second = await bus.handle(
        parties.RegisterInstitution("乙银行", InstitutionKind.BANK, idempotency_key="same"), other
    )
    assert first.id != second.id and second.name == "乙银行"
    replay = await bus.handle(
        parties.RegisterInstitution("甲银行", InstitutionKind.BANK, idempotency_key="same"),
        OPERATOR,
    )
    assert replay.id == first.id
    with pytest.raises(RiskpoolError) as conflict:
        await bus.handle(
            parties.RegisterInstitution("丙银行", InstitutionKind.BANK, idempotency_key="same"),
            other,
        )
    assert conflict.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    assert "same" not in conflict.value.message and "乙" not in conflict.value.message


async def test_reported_dates_are_bounded_by_todays_business_date(
    bus: MessageBus, store: Store, clock: Clock
) -> None:
    teller, loan_id = await _funded_loan(bus)  # the server's today: 2024-05-10 (Beijing)
    for day, words in (
        (date(2024, 5, 11), "after today's business date 2024-05-10"),
        (date(2024, 4, 9), "more than 30 days before"),
    ):
        with pytest.raises(RiskpoolError) as refused:
            await bus.handle(loans.RepayLoan(loan_id, day, cny("1.00"), f"r-{day}"), teller)
        assert refused.value.code is ErrorCode.VALIDATION and words in refused.value.message
        assert refused.value.field == "on"
    repaid = await bus.handle(loans.RepayLoan(loan_id, date(2024, 4, 10), cny("1.00"), "r"), teller)
    assert repaid.repaid() == cny("1.00")
    # 23:30 UTC on the 10th is already the 11th in Beijing: the business date is Beijing's.
    clock.now = datetime(2024, 5, 10, 16, 30, tzinfo=UTC)
    late = await bus.handle(loans.RepayLoan(loan_id, date(2024, 5, 11), cny("1.00"), "r2"), teller)
    assert late.repaid() == cny("2.00")


async def test_pool_entry_is_the_servers_day_and_binds_the_policy_in_force_then(
    bus: MessageBus, clock: Clock
) -> None:
    teller, _ = await _funded_loan(bus)
    assert teller.institution_id is not None
    firm = await bus.handle(
        parties.RegisterFirm("乙科技", generate_uscc(2), "电子信息", cny("30000000.00")), OPERATOR
    )
    assert firm.id is not None
    clock.now = at(date(2025, 3, 2))
    loan = await bus.handle(
        loans.GrantLoan(
            "ZZB-2", teller.institution_id, firm.id, LoanType.BANK_DIRECT, cny("1000000.00"),
            date(2025, 3, 1), date(2026, 3, 1),
        ),
        teller,
    )  # fmt: skip
    assert loan.id is not None
    entered = await bus.handle(loans.EnterPool(loan.id), teller)
    assert entered.pool_entry is not None
    assert (entered.pool_entry.on, entered.pool_entry.policy_code) == (date(2025, 3, 2), "ZKD-2025")


async def test_history_enters_only_through_the_operators_import(
    bus: MessageBus, store: Store, clock: Clock
) -> None:
    teller, loan_id = await _funded_loan(bus)
    with pytest.raises(RiskpoolError) as forbidden:
        await bus.import_history(
            loans.RepayLoan(loan_id, date(2023, 6, 1), cny("1.00"), "old"),
            teller,
            at=at(date(2023, 6, 1)),
            importer=teller,
        )
    assert forbidden.value.code is ErrorCode.FORBIDDEN
    with pytest.raises(RiskpoolError) as future:
        await _imported(bus, date(2030, 1, 1), loans.MarkCurrent(loan_id), teller)
    assert future.value.code is ErrorCode.VALIDATION
    # A claim imported as of a day before its loan's facts is refused.
    with pytest.raises(RiskpoolError) as early:
        await _imported(
            bus, date(2023, 1, 12), claims.SubmitClaim(loan_id, cny("1.00"), "材料", "c"), teller
        )
    assert early.value.code is ErrorCode.VALIDATION and "predate" in early.value.message
    assert not store.claims


async def test_an_idempotency_race_is_retried_once_in_a_fresh_unit_of_work(
    store: Store, clock: Clock
) -> None:
    races = [True]

    class Racing(FakeUnitOfWork):
        async def __aenter__(self) -> FakeUnitOfWork:
            entered = await super().__aenter__()
            reserve = self.idempotency.reserve

            async def lose_once(*args: Any) -> None:
                if races and races.pop():
                    raise IdempotencyRace(args[0])
                await reserve(*args)

            self.idempotency.reserve = lose_once  # type: ignore[method-assign]
            return entered

    bus = MessageBus(lambda: Racing(store, clock.now), ROUTES)
    await bus.handle(funds.SetUpChart(), OPERATOR)
    posted = await bus.handle(
        funds.ReserveTranche(1, date(2019, 6, 1), cny("5.00"), "tranche"), FINANCE
    )
    assert races == [] and len(store.entries) == len(posted) == 1  # the lost attempt rolled back

    always = MessageBus(lambda: _AlwaysRacing(store, clock.now), ROUTES)
    with pytest.raises(IdempotencyRace):
        await always.handle(
            funds.ReserveTranche(2, date(2019, 6, 2), cny("5.00"), "tranche-2"), FINANCE
        )
    assert len(store.entries) == 1


class _AlwaysRacing(FakeUnitOfWork):
    async def __aenter__(self) -> FakeUnitOfWork:
        entered = await super().__aenter__()

        async def lose(*args: Any) -> None:
            raise IdempotencyRace(args[0])

        self.idempotency.reserve = lose  # type: ignore[method-assign]
        return entered


def test_the_payload_is_the_business_fields_and_the_actor_is_fingerprinted_beside_it() -> None:
    command = claims.SubmitClaim(7, cny("1.50"), "材料", "key-1")
    assert payload(command) == {
        "loan_id": 7,
        "claimed_principal": "1.50 CNY",
        "documents": "材料",
    }
    same = claims.SubmitClaim(7, cny("1.50"), "材料", "key-2")
    teller = Actor(Role.INSTITUTION, "t", 1)
    assert fingerprint(command, teller) == fingerprint(same, teller)  # the key is not hashed
    assert fingerprint(command, teller) != fingerprint(command, Actor(Role.INSTITUTION, "u", 1))


def test_every_command_has_a_route() -> None:
    modules = (claims, funds, guarantee_commands, loans, parties, innovation_commands)
    found = {
        cls
        for module in modules
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, commands.Command)
        and cls not in (commands.Command, claims.ClaimStepCommand)  # the shared bases
    }
    assert found and found == set(ROUTES)


async def test_innovation_points_score_into_tiers_on_the_fake(
    bus: MessageBus, store: Store
) -> None:
    required = [i.code for i in NATIONAL_CORE if i.group is not IndicatorGroup.AUXILIARY]
    catalogue = await bus.handle(
        innovation_commands.DefineLocalIndicator(
            "L_TAX", "纳税", Unit.YUAN, Decimal(0), Decimal(10**9), {s: Decimal(3) for s in Stage},
            idempotency_key="define",
        ),
        OPERATOR,
    )  # fmt: skip
    assert catalogue.version == "NAT-2024+L1" and "L_TAX" in catalogue
    firm_ids = []
    for n in range(3):
        firm = await bus.handle(
            parties.RegisterFirm(f"科技{n}", generate_uscc(70 + n), "电子信息", cny("1.00")),
            OPERATOR,
        )
        assert firm.id is not None
        firm_ids.append(firm.id)
        values: dict[str, Decimal | None] = {code: Decimal(n + 1) for code in required}
        await bus.handle(
            innovation_commands.SubmitIndicators(firm.id, 2024, Stage.GROWTH, values, "自报"),
            OPERATOR,
        )
    scoring = innovation_commands.RunScoring(2024, idempotency_key="score-2024")
    scored = await bus.handle(scoring, OPERATOR)
    assert [s.firm_id for s in scored.scores] == firm_ids
    tiers = [store.firms[f].innovation_tier for f in firm_ids]
    assert tiers == sorted(tiers) and tiers[0] < tiers[-1]  # more is better, tier by tier
    again = await bus.handle(scoring, OPERATOR)
    assert again == scored and len(store.runs) == 1
