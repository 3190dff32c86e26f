"""Over-long input is refused the same way on both dialects (the domain checks the
lengths; the unit of work maps any database data exception to VALIDATION as a last line,
below the API)."""

from __future__ import annotations

from api_harness import Api

from riskpool.domain.parties import Role


async def test_overlong_text_is_a_validation_error_not_a_fault(api: Api) -> None:
    body = await api.gql(
        "mutation($n: String!) { registerInstitution(name: $n, kind: BANK) "
        "{ institution { name } userErrors { code } } }",
        {"n": "银" * 250},
        role=Role.OPERATOR,
    )
    assert "errors" not in body, body
    assert body["data"]["registerInstitution"]["userErrors"] == [{"code": "VALIDATION"}]


def test_a_data_exception_maps_to_validation_and_a_unique_violation_to_duplicate() -> None:
    from sqlalchemy.exc import DBAPIError

    from riskpool.domain.persistence.refusals import input_refusal

    class Orig(Exception):
        def __init__(self, sqlstate: str) -> None:
            self.sqlstate = sqlstate

    def refusal(state: str) -> object:
        found = input_refusal(DBAPIError("stmt", {}, Orig(state)))
        return found.code.value if found else None

    assert refusal("22001") == "VALIDATION"
    assert refusal("23505") == "DUPLICATE"
    assert refusal("40001") is None
