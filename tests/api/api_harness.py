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
from riskpool.domain.claim import Evidence
from riskpool.domain.parties import Actor, InstitutionKind, Role
from riskpool.domain.policy import LoanType
from riskpool.domain.uscc import generate_uscc
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


async def build_world(app: App) -> World:
    await app.funds.setup()
    parties, loans, claims = app.parties, app.loans, app.claims
    bank_a = await parties.register_institution(
        OPERATOR, name="甲银行", kind=InstitutionKind.BANK, cooperating_since=date(2025, 1, 1)
    )
    bank_b = await parties.register_institution(
        OPERATOR, name="乙银行", kind=InstitutionKind.BANK, cooperating_since=date(2025, 1, 1)
    )
    guarantor = await parties.register_institution(
        OPERATOR, name="丙担保", kind=InstitutionKind.GUARANTOR, cooperating_since=None
    )
    firm_a = await parties.register_firm(
        OPERATOR,
        name="甲科技",
        uscc=generate_uscc(11),
        sector="电子信息",
        annual_revenue=cny("1000000.00"),
    )
    firm_b = await parties.register_firm(
        OPERATOR,
        name="乙科技",
        uscc=generate_uscc(12),
        sector="生物医药",
        annual_revenue=cny("2000000.00"),
    )

    async def loan(
        bank: Any,
        firm: Any,
        no: str,
        loan_type: LoanType = LoanType.BANK_DIRECT,
        guarantor_id: int | None = None,
    ) -> int:
        made = await loans.grant(
            OPERATOR,
            contract_no=no,
            lender_id=bank.id,
            firm_id=firm.id,
            loan_type=loan_type,
            credit_line=cny("1000000.00"),
            granted_on=date(2025, 3, 1),
            maturity=date(2026, 3, 1),
            guarantor_id=guarantor_id,
        )
        await loans.enter_pool(OPERATOR, made.id, on=date(2025, 3, 2))
        await loans.disburse(
            OPERATOR,
            made.id,
            on=date(2025, 3, 3),
            amount=cny("800000.00"),
            idempotency_key=f"disburse-{no}",
        )
        return int(made.id)

    loan_a = await loan(bank_a, firm_a, "A-1")
    loan_b = await loan(bank_b, firm_b, "B-1")
    loan_g = await loan(bank_a, firm_b, "A-G", LoanType.GUARANTEED, guarantor.id)
    await loans.mark_overdue(OPERATOR, loan_a, since=date(2025, 4, 1))
    bank_actor = Actor(Role.INSTITUTION, "bank-a", bank_a.id)
    claim = await claims.submit(
        bank_actor,
        loan_id=loan_a,
        claimed_principal=cny("800000.00"),
        evidence=Evidence(documents="材料"),
        at=datetime(2025, 6, 10, tzinfo=UTC),
        idempotency_key="claim-a",
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
    )  # type: ignore[arg-type]
