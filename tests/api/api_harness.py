"""API test harness: the real ASGI app over a test database, and a small world.

Imported by the tests as ``api_harness`` (a unique name: several test folders
have a ``conftest``); the ``api`` fixture lives in this folder's conftest.

``world`` builds, through the use cases, two banks (A and B), a guarantee
company, firms, loans of both banks (one of A's with a claim), so scoping and
relations have something to show.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from moneyed import Money

from riskpool.bootstrap import App
from riskpool.domain.commands import claims as cc
from riskpool.domain.commands import loans as lc
from riskpool.domain.commands import parties as pc
from riskpool.domain.commands.guarantees import AcceptGuarantee
from riskpool.domain.model.parties import Actor, InstitutionKind, Role
from riskpool.domain.model.policy import LoanType
from riskpool.domain.model.uscc import generate_uscc
from riskpool.graphql.app import token_settings
from riskpool.graphql.auth.tokens import mint

sys.path.insert(0, str(Path(__file__).resolve().parent))

OPERATOR = Actor(Role.OPERATOR, "op")


def cny(value: str) -> Money:
    return Money(Decimal(value), "CNY")


@dataclass
class World:
    bank_a: int
    bank_b: int
    guarantor: int
    firm_a: int
    firm_b: int
    loan_a: int
    loan_b: int
    loan_guaranteed: int
    claim_a: int


@dataclass
class Api:
    app: App
    client: httpx.AsyncClient
    world: World
    clock: Clock

    def token(self, role: Role, institution_id: int | None = None) -> str:
        return mint(
            token_settings(self.app),
            subject=f"test-{role.value.lower()}",
            role=role,
            institution_id=institution_id,
        )

    async def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        role: Role | None = Role.OPERATOR,
        institution_id: int | None = None,
    ) -> dict[str, Any]:
        headers = {}
        if role is not None:
            headers["Authorization"] = f"Bearer {self.token(role, institution_id)}"
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        # Without a token the answer is HTTP 401 with the same GraphQL-shaped body.
        assert response.status_code == (401 if role is None else 200), response.text
        body: dict[str, Any] = response.json()
        return body


class Clock:
    """The server's clock of the test app: 10:00 Beijing on 2025-07-01 unless moved."""

    def __init__(self) -> None:
        self.now = datetime(2025, 7, 1, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def build_world(app: App) -> World:
    """The world is history before the clock's today, so it enters by the import path."""
    await app.set_up()

    async def send(command: Any, actor: Actor = OPERATOR, on: date = date(2025, 1, 1)) -> Any:
        at = datetime(on.year, on.month, on.day, 2, 0, tzinfo=UTC)
        return await app.bus.import_history(command, actor, at=at, importer=OPERATOR)

    bank_a = await send(
        pc.RegisterInstitution(
            name="甲银行", kind=InstitutionKind.BANK, cooperating_since=date(2025, 1, 1)
        )
    )
    bank_b = await send(
        pc.RegisterInstitution(
            name="乙银行", kind=InstitutionKind.BANK, cooperating_since=date(2025, 1, 1)
        )
    )
    guarantor = await send(pc.RegisterInstitution(name="丙担保", kind=InstitutionKind.GUARANTOR))
    firm_a = await send(
        pc.RegisterFirm(
            name="甲科技",
            uscc=generate_uscc(11),
            sector="电子信息",
            annual_revenue=cny("1000000.00"),
        )
    )
    firm_b = await send(
        pc.RegisterFirm(
            name="乙科技",
            uscc=generate_uscc(12),
            sector="生物医药",
            annual_revenue=cny("2000000.00"),
        )
    )

    async def loan(
        bank: Any,
        firm: Any,
        no: str,
        loan_type: LoanType = LoanType.BANK_DIRECT,
        guarantor_id: int | None = None,
    ) -> int:
        made = await send(
            lc.GrantLoan(
                contract_no=no,
                lender_id=bank.id,
                firm_id=firm.id,
                loan_type=loan_type,
                credit_line=cny("1000000.00"),
                granted_on=date(2025, 3, 1),
                maturity=date(2026, 3, 1),
                guarantor_id=guarantor_id,
            ),
            on=date(2025, 3, 1),
        )
        if guarantor_id is not None:  # the guarantor consents first (issue 15)
            consent = Actor(Role.INSTITUTION, "guarantor", guarantor_id)
            await send(AcceptGuarantee(loan_id=made.id), consent, on=date(2025, 3, 2))
        await send(lc.EnterPool(loan_id=made.id), on=date(2025, 3, 2))
        await send(
            lc.DisburseLoan(
                loan_id=made.id,
                on=date(2025, 3, 3),
                amount=cny("800000.00"),
                idempotency_key=f"disburse-{no}",
            ),
            on=date(2025, 3, 3),
        )
        return int(made.id)

    loan_a = await loan(bank_a, firm_a, "A-1")
    loan_b = await loan(bank_b, firm_b, "B-1")
    loan_g = await loan(bank_a, firm_b, "A-G", LoanType.GUARANTEED, guarantor.id)
    await send(lc.MarkOverdue(loan_id=loan_a, since=date(2025, 4, 1)), on=date(2025, 4, 1))
    bank_actor = Actor(Role.INSTITUTION, "bank-a", bank_a.id)
    claim = await send(
        cc.SubmitClaim(
            loan_id=loan_a,
            claimed_principal=cny("800000.00"),
            documents="材料",
            idempotency_key="claim-a",
        ),
        bank_actor,
        on=date(2025, 6, 10),
    )
    return World(
        bank_a.id,
        bank_b.id,
        guarantor.id,
        firm_a.id,
        firm_b.id,
        loan_a,
        loan_b,
        loan_g,
        int(claim.id),
    )
