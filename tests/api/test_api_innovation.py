"""Innovation points and early warnings over GraphQL, on both dialects: submissions with all
their problems as userErrors, scores with contributions, scoping, and typed warnings."""

from __future__ import annotations

from datetime import date

from api_harness import OPERATOR, Api

from riskpool.domain.commands.loans import MarkOverdue
from riskpool.domain.model.innovation.catalogue import NATIONAL_CORE, IndicatorGroup
from riskpool.domain.model.parties import Role

SUBMIT = """
mutation($firm: Int!, $values: [IndicatorValueInput!]!, $stage: InnovationStage!) {
  submitInnovationIndicators(firmId: $firm, year: 2024, stage: $stage, values: $values,
                             source: "企业自报") {
    submission { submissionId firmId stage catalogueVersion source submittedByRole
                 submittedBySubject values { code value } }
    userErrors { code field message }
  }
}"""

SCORES = """
query($firm: Int) {
  innovationScores(year: 2024, firmId: $firm) {
    runId catalogueVersion tierCuts firmCount
    scores { firmId stage score percentile tier cohortSize
             contributions { code value cohortMin cohortMax normalised weightShare points } }
  }
}"""

WARNINGS = """
query($asOf: Date, $kind: WarningKind, $institution: Int) {
  warnings(asOf: $asOf, kind: $kind, institutionId: $institution) {
    __typename kind message institutionId
    ... on LoanNearTriggerWarning { loanId daysOverdue daysToTrigger outstanding { amount } }
    ... on PoolBelowFloorWarning { cash { amount } floor { amount } topUpNeeded { amount } }
    ... on ConcentrationWarning { dimension key share limit }
    ... on InstitutionNearSuspensionWarning { lossRate threshold breached }
  }
}"""


def values(level: int) -> list[dict[str, str]]:
    return [
        {"code": i.code, "value": str(level)}
        for i in NATIONAL_CORE
        if i.group is not IndicatorGroup.AUXILIARY
    ]


async def test_catalogue_lists_the_18_core_indicators(api: Api) -> None:
    body = await api.gql(
        "{ innovationCatalogue { version tierCuts indicators { code group unit required "
        "weights { stage weight } } } }",
        role=Role.VIEWER,
    )
    catalogue = body["data"]["innovationCatalogue"]
    assert catalogue["version"] == "NAT-2024"
    assert catalogue["tierCuts"] == ["20", "40", "60", "80"]
    assert len(catalogue["indicators"]) == 18


async def test_submissions_report_every_problem_and_keep_the_submitter(api: Api) -> None:
    w = api.world
    bad = [*values(1), {"code": "TECH_STAFF_SHARE", "value": "1e3"}]
    bad = [v for v in bad if v["code"] not in ("REVENUE",)]
    body = await api.gql(SUBMIT, {"firm": w.firm_a, "values": bad, "stage": "GROWTH"})
    payload = body["data"]["submitInnovationIndicators"]
    assert payload["submission"] is None
    assert {e["field"] for e in payload["userErrors"]} == {"values.TECH_STAFF_SHARE"}
    bad = [v for v in values(1) if v["code"] != "REVENUE"] + [
        {"code": "PCT_APPLICATIONS2", "value": "1"}
    ]
    payload = (await api.gql(SUBMIT, {"firm": w.firm_a, "values": bad, "stage": "GROWTH"}))["data"][
        "submitInnovationIndicators"
    ]
    assert {e["field"] for e in payload["userErrors"]} == {
        "values.REVENUE",
        "values.PCT_APPLICATIONS2",
    }
    assert {e["code"] for e in payload["userErrors"]} == {"VALIDATION"}
    ok = await api.gql(
        SUBMIT,
        {"firm": w.firm_a, "values": values(3), "stage": "GROWTH"},
        role=Role.INSTITUTION,
        institution_id=w.bank_a,
    )
    submission = ok["data"]["submitInnovationIndicators"]["submission"]
    assert submission["submittedByRole"] == "INSTITUTION"
    assert submission["source"] == "企业自报"
    assert {"code": "REVENUE", "value": "3.00"} in submission["values"]
    refused = await api.gql(
        SUBMIT,
        {"firm": w.firm_a, "values": values(3), "stage": "GROWTH"},
        role=Role.INSTITUTION,
        institution_id=w.bank_b,
    )
    errors = refused["data"]["submitInnovationIndicators"]["userErrors"]
    # Another bank's firm answers as a missing one (issue 15).
    assert [e["code"] for e in errors] == ["NOT_FOUND"]


async def test_scores_with_contributions_scoped_to_the_reader(api: Api) -> None:
    w = api.world
    for firm, level in ((w.firm_a, 1), (w.firm_b, 9)):
        await api.gql(SUBMIT, {"firm": firm, "values": values(level), "stage": "STARTUP"})
    run = await api.gql(
        'mutation { runInnovationScoring(year: 2024, tierCuts: ["50"]) '
        "{ run { runId firmCount tierCuts scores { firmId tier } } userErrors { code } } }"
    )
    payload = run["data"]["runInnovationScoring"]
    assert payload["userErrors"] == []
    assert {s["firmId"]: s["tier"] for s in payload["run"]["scores"]} == {w.firm_a: 1, w.firm_b: 2}
    everything = (await api.gql(SCORES, role=Role.SCIENCE_BUREAU))["data"]["innovationScores"]
    assert everything["firmCount"] == 2 and everything["tierCuts"] == ["50"]
    best = next(s for s in everything["scores"] if s["firmId"] == w.firm_b)
    assert len(best["contributions"]) == 18
    points = sum(float(c["points"]) for c in best["contributions"])
    assert abs(points - float(best["score"])) < 1e-9
    rd = next(c for c in best["contributions"] if c["code"] == "RD_EXPENSE")
    assert (rd["cohortMin"], rd["cohortMax"], rd["normalised"]) == ("1.00", "9.00", "1.000000")
    # bank B lends to firm B only: it sees that score and nothing else.
    own = await api.gql(SCORES, role=Role.INSTITUTION, institution_id=w.bank_b)
    assert [s["firmId"] for s in own["data"]["innovationScores"]["scores"]] == [w.firm_b]
    firms = await api.gql("{ firms(first: 5) { edges { node { name innovationTier } } } }")
    tiers = {
        e["node"]["name"]: e["node"]["innovationTier"] for e in firms["data"]["firms"]["edges"]
    }
    assert tiers == {"甲科技": 1, "乙科技": 2}


async def test_warnings_are_typed_filtered_and_scoped(api: Api) -> None:
    w = api.world
    await api.app.handle(MarkOverdue(loan_id=w.loan_b, since=date(2025, 7, 1)), OPERATOR)
    body = await api.gql(WARNINGS, {"asOf": "2025-08-10"}, role=Role.VIEWER)
    assert "errors" not in body, body
    found = body["data"]["warnings"]
    kinds = {x["kind"] for x in found}
    assert kinds == {
        "LOAN_NEAR_TRIGGER",
        "POOL_BELOW_FLOOR",
        "CONCENTRATION",
        "INSTITUTION_NEAR_SUSPENSION",
    }
    near = next(x for x in found if x["kind"] == "LOAN_NEAR_TRIGGER")
    assert near["__typename"] == "LoanNearTriggerWarning"
    assert (near["loanId"], near["daysOverdue"], near["daysToTrigger"]) == (w.loan_b, 40, 21)
    assert near["outstanding"]["amount"] == "800000.00"
    assert near["institutionId"] == w.bank_b
    pool = next(x for x in found if x["kind"] == "POOL_BELOW_FLOOR")
    assert pool["floor"]["amount"] == "100000000.00"
    assert pool["topUpNeeded"]["amount"] == "100000000.00"
    only_loans = await api.gql(WARNINGS, {"asOf": "2025-08-10", "kind": "LOAN_NEAR_TRIGGER"})
    assert {x["kind"] for x in only_loans["data"]["warnings"]} == {"LOAN_NEAR_TRIGGER"}
    filtered = await api.gql(WARNINGS, {"asOf": "2025-08-10", "institution": w.bank_a})
    assert all(x["institutionId"] == w.bank_a for x in filtered["data"]["warnings"])
    # Bank A sees only its own warnings, never the pool's nor bank B's loan.
    own = await api.gql(
        WARNINGS, {"asOf": "2025-08-10"}, role=Role.INSTITUTION, institution_id=w.bank_a
    )
    mine = own["data"]["warnings"]
    assert mine and all(x["institutionId"] == w.bank_a for x in mine)
    assert "POOL_BELOW_FLOOR" not in {x["kind"] for x in mine}
    asking_for_b = await api.gql(
        WARNINGS,
        {"asOf": "2025-08-10", "institution": w.bank_b},
        role=Role.INSTITUTION,
        institution_id=w.bank_a,
    )
    assert asking_for_b["data"]["warnings"] == []
    anonymous = await api.gql(WARNINGS, {"asOf": "2025-08-10"}, role=None)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
