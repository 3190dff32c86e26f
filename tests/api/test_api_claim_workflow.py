"""A claim through every step over GraphQL, by the actor of each step, with the money
it moves checked in the ledger — every step dated by the server's clock (no mutation
takes a time), timestamps kept exact across time zones."""

from __future__ import annotations

from datetime import UTC, datetime

from api_harness import Api

from riskpool.domain.model.parties import Role


async def _mutate(api: Api, query: str, role: Role, institution_id: int | None = None) -> dict:
    body = await api.gql("mutation " + query, role=role, institution_id=institution_id)
    assert "errors" not in body, body
    payload = next(iter(body["data"].values()))
    assert payload["userErrors"] == [], payload
    return payload  # type: ignore[no-any-return]


async def test_claim_from_submission_to_payment(api: Api) -> None:
    w = api.world
    await _mutate(
        api,
        '{ allocateFunds(book: CITY_POOL, on: "2025-03-01", amount: '
        '{amount: "10000000.00"}, reference: "r", idempotencyKey: "fund") '
        "{ userErrors { code } } }",
        Role.FINANCE_BUREAU,
    )
    api.clock.now = datetime(2025, 4, 5, 2, 0, tzinfo=UTC)
    await _mutate(
        api,
        f'{{ markLoanOverdue(loanId: {w.loan_b}, since: "2025-04-01") '
        "{ userErrors { code } } }",
        Role.INSTITUTION,
        w.bank_b,
    )
    api.clock.now = datetime(2025, 6, 30, 23, 30, tzinfo=UTC)  # 07:30 on 07-01 in Beijing
    submitted = await _mutate(
        api,
        f'{{ submitClaim(loanId: {w.loan_b}, claimedPrincipal: {{amount: "800000.00"}}, '
        'documents: "材料", idempotencyKey: "c1") '
        "{ claim { databaseId state submittedAt } userErrors { code } } }",
        Role.INSTITUTION,
        w.bank_b,
    )
    # The server's 07:30 in Beijing is 23:30 UTC the day before, on both dialects.
    assert submitted["claim"]["submittedAt"].startswith("2025-06-30T23:30:00")
    cid = submitted["claim"]["databaseId"]
    steps = [
        (
            datetime(2025, 7, 2, 2, 0, tzinfo=UTC),
            Role.OPERATOR,
            f'{{ commissionAudit(claimId: {cid}, idempotencyKey: "s1") '
            "{ claim { state } userErrors { code } } }",
        ),
        (
            datetime(2025, 7, 10, 2, 0, tzinfo=UTC),
            Role.AUDITOR,
            f'{{ recordAudit(claimId: {cid}, auditReportRef: "AUD-1", '
            'auditedPrincipalLoss: {amount: "700000.00"}, idempotencyKey: "s2") '
            "{ claim { state compensation { amount } } "
            "userErrors { code } } }",
        ),
        (
            datetime(2025, 7, 20, 2, 0, tzinfo=UTC),
            Role.SCIENCE_BUREAU,
            f'{{ reviewClaim(claimId: {cid}, reviewOpinion: "同意", '
            'financeConcurrenceReference: "财-1", financeConcurrenceBy: "市财政局", '
            'idempotencyKey: "s3") { claim { state } '
            "userErrors { code } } }",
        ),
        (
            datetime(2025, 8, 1, 2, 0, tzinfo=UTC),
            Role.CITY_GOVERNMENT,
            f'{{ approveClaim(claimId: {cid}, approvalDocumentNo: "批-1", '
            'idempotencyKey: "s4") { claim { state } '
            "userErrors { code } } }",
        ),
        (
            datetime(2025, 8, 10, 2, 0, tzinfo=UTC),
            Role.OPERATOR,
            f'{{ payClaim(claimId: {cid}, paymentReference: "PAY-1", '
            'idempotencyKey: "s5") { claim { state paidAmount '
            "{ amount } trail { action actorRole } } userErrors { code } } }",
        ),
    ]
    payloads = []
    for now, role, query in steps:
        api.clock.now = now
        payloads.append(await _mutate(api, query, role))
    assert payloads[1]["claim"]["compensation"]["amount"] == "350000.00"  # 50% of 700k
    paid = payloads[-1]["claim"]
    assert paid["state"] == "PAID" and paid["paidAmount"]["amount"] == "350000.00"
    assert [e["action"] for e in paid["trail"]] == [
        "SUBMIT",
        "COMMISSION_AUDIT",
        "RECORD_AUDIT",
        "REVIEW",
        "APPROVE",
        "PAY",
    ]
    balances = await api.gql(
        '{ accounts(book: "CITY_POOL", first: 50) { nodes { code balance { amount } } } }'
    )
    by_code = {n["code"]: n["balance"]["amount"] for n in balances["data"]["accounts"]["nodes"]}
    assert by_code["100201"] == "9650000.00"
    assert by_code["2201"] == "0.00" and by_code["5101"] == "350000.00"
    api.clock.now = datetime(2025, 8, 11, 2, 0, tzinfo=UTC)  # a retry the next day
    replay = await _mutate(api, steps[-1][2], Role.OPERATOR)
    assert replay["claim"]["state"] == "PAID"
    again = await api.gql(
        '{ accounts(book: "CITY_POOL", first: 50) { nodes { code balance { amount } } } }'
    )
    assert again == balances
