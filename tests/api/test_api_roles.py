"""Every mutation × every role: allowed roles get past authorisation, others get FORBIDDEN.

The table below is the API's access specification (docs/api.md repeats it).
A forbidden call must change nothing, so the whole matrix runs in one world:
only allowed calls can move it, and allowed calls are never asserted to succeed
(they may meet a state or rule refusal), only not to be refused for their role.
"""

from __future__ import annotations

from api_harness import Api

from riskpool.domain.model.parties import Role

I, O, A, S, F, C, V = (  # noqa: E741 - one letter per role keeps the table readable
    Role.INSTITUTION,
    Role.OPERATOR,
    Role.AUDITOR,
    Role.SCIENCE_BUREAU,
    Role.FINANCE_BUREAU,
    Role.CITY_GOVERNMENT,
    Role.VIEWER,
)
MONEY = '{amount: "1000.00"}'


def matrix(w: object) -> list[tuple[str, str, set[Role]]]:
    loan, claim, bank = w.loan_a, w.claim_a, w.bank_a  # type: ignore[attr-defined]
    key = 'idempotencyKey: "k-@N@"'
    return [
        ("registerInstitution", 'name: "新机构@N@", kind: BANK', {O}),
        ("suspendInstitution", f'institutionId: {bank}, reason: "r"', {O, S}),
        ("reinstateInstitution", f'institutionId: {bank}, reason: "r"', {O, S}),
        ("assessSuspension", f"institutionId: {bank}", {O, S, I}),
        ("registerFirm", 'name: "f", uscc: "bad", sector: "s", annualRevenue: ' + MONEY, {O, I}),
        (
            "grantLoan",
            f'contractNo: "X-@N@", lenderId: {bank}, firmId: 1, loanType: '
            "BANK_DIRECT, creditLine: " + MONEY + ', grantedOn: "2025-06-10", maturity: '
            '"2026-03-01"',
            {I, O},
        ),
        ("enterPool", f"loanId: {loan}", {I, O}),
        ("acceptGuarantee", f"loanId: {loan}", {I, O}),
        ("disburseLoan", f'loanId: {loan}, on: "2025-06-20", amount: {MONEY}, {key}', {I, O}),
        ("repayLoan", f'loanId: {loan}, on: "2025-06-21", amount: {MONEY}, {key}', {I, O}),
        ("markLoanOverdue", f'loanId: {loan}, since: "2025-06-15"', {I, O}),
        ("markLoanCurrent", f"loanId: {loan}", {I, O}),
        ("recordLawsuit", f'loanId: {loan}, filedOn: "2025-06-25"', {I, O}),
        (
            "recordGuarantorPrepayment",
            f'loanId: {loan}, on: "2025-06-25", amount: {MONEY}, {key}',
            {I, O},
        ),
        (
            "recordRecovery",
            f'loanId: {loan}, on: "2025-06-30", amount: {MONEY}, reference: "r", {key}',
            {I, O},
        ),
        ("submitClaim", f'loanId: {loan}, claimedPrincipal: {MONEY}, documents: "d", {key}', {I}),
        ("commissionAudit", f"claimId: {claim}, {key}", {O}),
        (
            "recordAudit",
            f'claimId: {claim}, auditReportRef: "a", auditedPrincipalLoss: {MONEY}, {key}',
            {A},
        ),
        (
            "reviewClaim",
            f'claimId: {claim}, reviewOpinion: "ok", financeConcurrenceReference: '
            f'"c", financeConcurrenceBy: "f", {key}',
            {S},
        ),
        ("approveClaim", f'claimId: {claim}, approvalDocumentNo: "n", {key}', {C}),
        ("payClaim", f'claimId: {claim}, paymentReference: "p", {key}', {O}),
        ("rejectClaim", f'claimId: {claim}, reason: "no", {key}', {A, S, F, C}),
        ("withdrawClaim", f"claimId: {claim}, {key}", {I}),
        ("reserveTranche", f'trancheNo: 9, on: "2025-07-01", amount: {MONEY}, {key}', {F}),
        (
            "allocateFunds",
            f'book: CITY_POOL, on: "2025-07-01", amount: {MONEY}, reference: "r@N@", {key}',
            {F},
        ),
        (
            "topUp",
            f'book: CITY_POOL, on: "2025-07-01", amount: {MONEY}, reference: "t@N@", {key}',
            {F},
        ),
        ("settlementTopUp", f'book: CITY_POOL, on: "2025-12-31", reference: "s@N@", {key}', {F}),
        ("transferReserveToPool", f'on: "2025-07-01", amount: {MONEY}, {key}', {F}),
        (
            "recordInterest",
            f'book: CITY_POOL, on: "2025-07-01", amount: {MONEY}, period: "p@N@", {key}',
            {O, F},
        ),
        (
            "chargeManagementFee",
            f'book: CITY_POOL, on: "2025-07-01", amount: {MONEY}, period: "p@N@", {key}',
            {O},
        ),
        ("importStatement", 'content: "", filename: "s@N@.sta"', {O}),
        ("runReconciliation", "dryRun: true", {O}),
        ("confirmMatch", "matchId: 999999", {O}),
        ("rejectMatch", 'matchId: 999999, reason: "wrong"', {O}),
        (
            "registerBankAccount",
            'bank: "b", number: "N@N@", currency: "CNY", book: "CITY_POOL", '
            'ledgerAccount: "100201", openingDate: "2025-01-02"',
            {O},
        ),
        (
            "defineLocalIndicator",
            'code: "L_X@N@", name: "n", unit: COUNT, minimum: "0", maximum: "10", '
            'weights: [{stage: STARTUP, weight: "1"}]',
            {O},
        ),
        (
            "submitInnovationIndicators",
            f'firmId: {w.firm_a}, year: 2024, stage: GROWTH, values: [], source: "s"',  # type: ignore[attr-defined]
            {O, I},
        ),
        ("runInnovationScoring", "year: 1999", {O}),
    ]


async def test_every_mutation_for_every_role(api: Api) -> None:
    w = api.world
    problems: list[str] = []
    n = 0
    mutations = {name for name, _, _ in matrix(w)}
    schema_mutations = await api.gql("{ __schema { mutationType { fields { name } } } }")
    declared = {f["name"] for f in schema_mutations["data"]["__schema"]["mutationType"]["fields"]}
    assert declared == mutations, f"matrix out of date: {declared ^ mutations}"
    for name, args, allowed in matrix(w):
        for role in Role:
            n += 1
            bound = args.replace("@N@", str(n))
            query = f"mutation {{ {name}({bound}) {{ userErrors {{ code field }} }} }}"
            body = await api.gql(
                query, role=role, institution_id=w.bank_a if role is Role.INSTITUTION else None
            )
            assert "errors" not in body, (name, role, body)
            codes = {e["code"] for e in body["data"][name]["userErrors"]}
            if role in allowed and "FORBIDDEN" in codes:
                problems.append(f"{name} refused {role.value}")
            if role not in allowed and codes != {"FORBIDDEN"}:
                problems.append(f"{name} let {role.value} through: {codes or 'ok'}")
    assert not problems, "\n".join(problems)
