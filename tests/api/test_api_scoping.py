"""An institution user sees its own rows only: lists, filters, node(id), nested fields."""

from __future__ import annotations

import base64

from api_harness import Api

from riskpool.domain.model.parties import Role


def gid(type_name: str, ident: int) -> str:
    return base64.b64encode(f"{type_name}:{ident}".encode()).decode()


async def test_operator_sees_every_loan(api: Api) -> None:
    body = await api.gql("{ loans(first: 10) { totalCount nodes { contractNo } } }")
    assert body["data"]["loans"]["totalCount"] == 3


async def test_institution_list_and_filter_are_scoped(api: Api) -> None:
    w = api.world
    body = await api.gql(
        "{ loans(first: 10) { totalCount nodes { contractNo lender { name } } } }",
        role=Role.INSTITUTION,
        institution_id=w.bank_b,
    )
    assert [n["contractNo"] for n in body["data"]["loans"]["nodes"]] == ["B-1"]
    filtered = await api.gql(
        "query($i: Int) { loans(filter: {institutionId: $i}) { totalCount } }",
        {"i": w.bank_a},
        role=Role.INSTITUTION,
        institution_id=w.bank_b,
    )
    assert filtered["data"]["loans"]["totalCount"] == 0
    claims = await api.gql(
        "{ claims { totalCount } }", role=Role.INSTITUTION, institution_id=w.bank_b
    )
    assert claims["data"]["claims"]["totalCount"] == 0


async def test_node_cannot_reach_another_institutions_loan_or_claim(api: Api) -> None:
    w = api.world
    query = "query($id: ID!) { node(id: $id) { id ... on Loan { contractNo } } }"
    own = await api.gql(
        query, {"id": gid("Loan", w.loan_b)}, role=Role.INSTITUTION, institution_id=w.bank_b
    )
    assert own["data"]["node"]["contractNo"] == "B-1"
    other = await api.gql(
        query, {"id": gid("Loan", w.loan_a)}, role=Role.INSTITUTION, institution_id=w.bank_b
    )
    assert other["data"]["node"] is None
    claim = await api.gql(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": gid("Claim", w.claim_a)},
        role=Role.INSTITUTION,
        institution_id=w.bank_b,
    )
    assert claim["data"]["node"] is None


async def test_nested_fields_are_scoped(api: Api) -> None:
    """The guarantee company sees its guaranteed loan, but not the lender's other loans'
    claims through the firm or the loan."""
    w = api.world
    body = await api.gql(
        "{ loans { nodes { contractNo claims { claimId: id } lender { name } firm { name } } } }",
        role=Role.INSTITUTION,
        institution_id=w.guarantor,
    )
    nodes = body["data"]["loans"]["nodes"]
    assert [n["contractNo"] for n in nodes] == ["A-G"]
    assert nodes[0]["claims"] == []
    # The lender bank is another institution: not readable by the guarantor.
    assert nodes[0]["lender"] is None
    own_claims = await api.gql(
        "{ claims { nodes { state loan { contractNo } } } }",
        role=Role.INSTITUTION,
        institution_id=w.bank_a,
    )
    assert own_claims["data"]["claims"]["nodes"] == [
        {"state": "SUBMITTED", "loan": {"contractNo": "A-1"}}
    ]


async def test_institution_cannot_read_the_pool_ledger(api: Api) -> None:
    body = await api.gql(
        "{ books { code } }", role=Role.INSTITUTION, institution_id=api.world.bank_a
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


SCORES = (
    "{ innovationScores(year: 2024) { firmCount scores { firmId cohortSize "
    "contributions { cohortMin cohortMax normalised } } } }"
)


async def test_institution_scores_show_its_firms_without_the_cohort(api: Api) -> None:
    """Bank B lends to firm B only: it reads firm B's score, not how the pool's cohort looks."""
    from riskpool.domain.model.innovation.catalogue import NATIONAL_CORE, IndicatorGroup

    w = api.world
    required = [i.code for i in NATIONAL_CORE if i.group is not IndicatorGroup.AUXILIARY]
    for level, firm in enumerate((w.firm_a, w.firm_b), 1):
        values = ", ".join(f'{{code: "{c}", value: "{level}"}}' for c in required)
        await api.gql(
            f"mutation {{ submitInnovationIndicators(firmId: {firm}, year: 2024, stage: GROWTH, "
            f'values: [{values}], source: "t") {{ userErrors {{ code }} }} }}'
        )
    await api.gql("mutation { runInnovationScoring(year: 2024) { userErrors { code } } }")
    pool = (await api.gql(SCORES))["data"]["innovationScores"]
    assert pool["firmCount"] == 2 and pool["scores"][0]["cohortSize"] == 2
    assert pool["scores"][0]["contributions"][0]["cohortMin"] == "1.00"
    bank = await api.gql(SCORES, role=Role.INSTITUTION, institution_id=w.bank_b)
    scores = bank["data"]["innovationScores"]
    assert scores["firmCount"] == 1
    assert [s["firmId"] for s in scores["scores"]] == [w.firm_b]
    assert scores["scores"][0]["cohortSize"] is None
    contribution = scores["scores"][0]["contributions"][0]
    assert (contribution["cohortMin"], contribution["cohortMax"]) == (None, None)
    assert contribution["normalised"] == "1.000000"  # its own standing is still shown
