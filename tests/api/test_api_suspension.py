"""Suspension end to end: the loss rate breaches the threshold, the institution is
suspended with a recorded reason, its claims are refused, and only an explicit
reinstatement restores it."""

from __future__ import annotations

from api_harness import Api

from riskpool.domain.model.parties import Role

ASSESS = """mutation($i: Int!) { assessSuspension(institutionId: $i) {
  assessment { lossRate threshold breached bad { amount } base { amount }
               institution { status history { status reason } } }
  userErrors { code message } } }"""


async def test_breach_suspends_and_only_reinstatement_restores(api: Api) -> None:
    w = api.world
    own = await api.gql(ASSESS, {"i": w.bank_a}, role=Role.INSTITUTION, institution_id=w.bank_a)
    assert own["data"]["assessSuspension"]["assessment"]["institution"]["status"] == "ACTIVE"

    body = await api.gql(ASSESS, {"i": w.bank_a})
    assessment = body["data"]["assessSuspension"]["assessment"]
    assert assessment["breached"] and assessment["lossRate"] == "1"
    assert assessment["bad"]["amount"] == "800000.00"
    assert assessment["institution"]["status"] == "SUSPENDED"
    assert "5" in assessment["institution"]["history"][-1]["reason"]

    refused = await api.gql(
        "mutation($l: Int!) { enterPool(loanId: $l) { userErrors { code } } }",
        {"l": w.loan_a},
    )
    assert refused["data"]["enterPool"]["userErrors"][0]["code"] in {
        "INSTITUTION_SUSPENDED",
        "VALIDATION",
    }

    again = await api.gql(ASSESS, {"i": w.bank_a})
    assert again["data"]["assessSuspension"]["assessment"]["institution"]["status"] == "SUSPENDED"

    reinstated = await api.gql(
        'mutation($i: Int!) { reinstateInstitution(institutionId: $i, reason: "整改完成") '
        "{ institution { status } userErrors { code } } }",
        {"i": w.bank_a},
    )
    assert reinstated["data"]["reinstateInstitution"]["institution"]["status"] == "ACTIVE"


async def test_a_healthy_institution_is_not_suspended(api: Api) -> None:
    body = await api.gql(ASSESS, {"i": api.world.bank_b})
    assessment = body["data"]["assessSuspension"]["assessment"]
    assert not assessment["breached"]
    assert assessment["institution"]["status"] == "ACTIVE"
