"""Every input has a typed refusal: out-of-range numbers and dates, amounts, text, USCCs.

Each probe below once reached an INTERNAL error (or was accepted); each must
now be refused with a stable code — at the top level (a scalar or the text
guard refuses before anything runs) or in ``userErrors`` (the domain refuses) —
and nothing may change. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from api_harness import Api

from riskpool.domain.model.parties import Role
from riskpool.domain.model.uscc import generate_uscc

TYPED = {"VALIDATION", "GRAPHQL_VALIDATION", "INVALID_AMOUNT"}

TOP_UP = (
    "mutation($a: Amount!, $on: Date!, $r: String!) { topUp(book: CITY_POOL, on: $on, "
    'amount: {amount: $a}, reference: $r, idempotencyKey: "k") { userErrors { code field } } }'
)


def refusal(body: dict[str, Any], payload: str | None = None) -> str:
    """The one code a refused request carries, wherever it was refused."""
    if body.get("errors"):
        codes = {e["extensions"]["code"] for e in body["errors"]}
        assert "INTERNAL" not in codes, body
        (code,) = codes
        return str(code)
    assert payload is not None, body
    errors = body["data"][payload]["userErrors"]
    assert errors, body
    return str(errors[0]["code"])


async def balance(api: Api) -> Any:
    body = await api.gql(
        '{ accounts(book: "CITY_POOL", first: 50) { nodes { code balance { amount } } } }'
    )
    return body["data"]


def test_a_data_exception_maps_to_validation_and_a_unique_violation_to_duplicate() -> None:
    from sqlalchemy.exc import DBAPIError

    from riskpool.domain.persistence.refusals import input_refusal

    class Orig(Exception):
        def __init__(self, sqlstate: str) -> None:
            self.sqlstate = sqlstate

    def code_of(state: str) -> object:
        found = input_refusal(DBAPIError("stmt", {}, Orig(state)))
        return found.code.value if found else None

    assert code_of("22001") == "VALIDATION"
    assert code_of("23505") == "DUPLICATE"
    assert code_of("40001") is None


async def test_overlong_text_is_a_validation_error_not_a_fault(api: Api) -> None:
    body = await api.gql(
        "mutation($n: String!) { registerInstitution(name: $n, kind: BANK) "
        "{ institution { name } userErrors { code } } }",
        {"n": "银" * 250},
        role=Role.OPERATOR,
    )
    assert "errors" not in body, body
    assert body["data"]["registerInstitution"]["userErrors"] == [{"code": "VALIDATION"}]


async def test_out_of_range_integers_and_dates_are_typed_refusals(api: Api) -> None:
    warnings = await api.gql("{ warnings(overdueDays: 2000000000) { kind } }")
    assert refusal(warnings) == "VALIDATION"
    for as_of in ("9999-12-31", "0001-01-01", "1989-12-31"):
        stats = await api.gql(
            "query($d: Date!) { poolStatistics(asOf: $d) { asOf } }", {"d": as_of}
        )
        assert refusal(stats) in TYPED, as_of
    literal = await api.gql('{ poolStatistics(asOf: "9999-12-31") { asOf } }')
    assert refusal(literal) in TYPED


async def test_a_client_cannot_date_a_claim_step(api: Api) -> None:
    """The workflow's time is the server's: the argument no longer exists."""
    body = await api.gql(
        "mutation($l: Int!) { submitClaim(loanId: $l, "
        'claimedPrincipal: {amount: "1.00"}, documents: "d", idempotencyKey: "c", '
        'at: "2024-01-01T00:00:00Z") { userErrors { code } } }',
        {"l": api.world.loan_b},
        role=Role.INSTITUTION,
        institution_id=api.world.bank_b,
    )
    assert body["data"] is None
    assert "Unknown argument 'at'" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("on", "words"),
    [
        ("2025-07-02", "after today's business date 2025-07-01"),
        ("2025-05-31", "more than 30 days before today's business date 2025-07-01"),
        ("2025-12-31", "after today's business date"),
    ],
)
async def test_a_reported_date_outside_the_window_is_refused_and_changes_nothing(
    api: Api, on: str, words: str
) -> None:
    query = (
        "mutation($l: Int!, $on: Date!) { repayLoan(loanId: $l, on: $on, "
        'amount: {amount: "1.00"}, idempotencyKey: "r") { loan { repaid { amount } } '
        "userErrors { code field message } } }"
    )
    body = await api.gql(
        query, {"l": api.world.loan_b, "on": on}, role=Role.INSTITUTION,
        institution_id=api.world.bank_b,
    )  # fmt: skip
    [error] = body["data"]["repayLoan"]["userErrors"]
    assert (error["code"], error["field"]) == ("VALIDATION", "on") and words in error["message"]
    ok = await api.gql(
        query, {"l": api.world.loan_b, "on": "2025-06-01"}, role=Role.INSTITUTION,
        institution_id=api.world.bank_b,
    )  # fmt: skip
    assert ok["data"]["repayLoan"]["userErrors"] == []
    assert ok["data"]["repayLoan"]["loan"]["repaid"]["amount"] == "1.00"


@pytest.mark.parametrize(
    "amount",
    [
        "92233720368547758.07",  # fits the digit pattern, is 2^63-1 fen: refused by the maximum
        "100000000000.01",  # just above the default maximum
        "1.00\n",
        " 1.00",
        "1.00 ",
        "1.000000",  # equal to 1.00, but more decimals than CNY has
        "1.001",
        "1e3",
        "NaN",
        "",
    ],
)
async def test_malformed_or_excessive_amounts_are_refused_and_change_nothing(
    api: Api, amount: str
) -> None:
    before = await balance(api)
    body = await api.gql(
        TOP_UP, {"a": amount, "on": "2025-07-01", "r": "r"}, role=Role.FINANCE_BUREAU
    )
    assert refusal(body, "topUp") in TYPED, (amount, body)
    assert await balance(api) == before


async def test_an_amount_within_the_maximum_is_accepted(api: Api) -> None:
    body = await api.gql(
        TOP_UP, {"a": "100000000000", "on": "2025-07-01", "r": "r"}, role=Role.FINANCE_BUREAU
    )
    assert body["data"]["topUp"]["userErrors"] == []


@pytest.mark.parametrize("name", ["银行\x1b[31m", "甲\u202e行银", "甲\u200b银行", "甲\ufeff银行"])
async def test_control_bidi_and_zero_width_characters_in_names_are_refused(
    api: Api, name: str
) -> None:
    body = await api.gql(
        "mutation($n: String!) { registerInstitution(name: $n, kind: BANK) "
        "{ institution { id } userErrors { code } } }",
        {"n": name},
    )
    assert refusal(body, "registerInstitution") == "VALIDATION"
    again = await api.gql("{ institutions { totalCount } }")
    assert again["data"]["institutions"]["totalCount"] == 3


@pytest.mark.parametrize(
    ("contract", "granted"),
    [
        ("", "2025-06-20"),
        ("C" * 10_000, "2025-06-20"),
        ("C-9", "0001-01-01"),
        ("C-9", "1980-05-01"),
    ],
)
async def test_loans_refuse_empty_or_long_contract_numbers_and_implausible_dates(
    api: Api, contract: str, granted: str
) -> None:
    body = await api.gql(
        "mutation($c: String!, $l: Int!, $f: Int!, $g: Date!) { grantLoan(contractNo: $c, "
        'lenderId: $l, firmId: $f, loanType: BANK_DIRECT, creditLine: {amount: "1000.00"}, '
        'grantedOn: $g, maturity: "2026-03-01") { userErrors { code field } } }',
        {"c": contract, "l": api.world.bank_a, "f": api.world.firm_a, "g": granted},
    )
    assert refusal(body, "grantLoan") in TYPED, body


async def test_a_long_suspension_reason_is_refused(api: Api) -> None:
    body = await api.gql(
        "mutation($i: Int!, $r: String!) { suspendInstitution(institutionId: $i, reason: $r) "
        "{ userErrors { code field } } }",
        {"i": api.world.bank_b, "r": "理由" * 1500},
    )
    assert body["data"]["suspendInstitution"]["userErrors"] == [
        {"code": "VALIDATION", "field": "reason"}
    ]


async def test_uscc_all_zeros_is_refused_and_the_check_character_is_never_told(api: Api) -> None:
    register = (
        'mutation($u: String!) { registerFirm(name: "某公司", uscc: $u, sector: "软件", '
        'annualRevenue: {amount: "1.00"}) { userErrors { code message } } }'
    )
    zeros = await api.gql(register, {"u": "0" * 18})
    assert refusal(zeros, "registerFirm") == "VALIDATION"
    valid = generate_uscc(99)
    wrong = valid[:17] + ("0" if valid[17] != "0" else "1")
    body = await api.gql(register, {"u": wrong})
    (error,) = body["data"]["registerFirm"]["userErrors"]
    assert error == {"code": "VALIDATION", "message": "USCC check character does not match"}


def test_the_amount_maximum_and_the_date_horizon_come_from_the_settings() -> None:
    from datetime import timedelta
    from decimal import Decimal

    from riskpool.graphql.core.limits import SchemaLimits
    from riskpool.graphql.core.scalars import (
        AmountError,
        ScalarInputError,
        amount_parser,
        date_parser,
        latest_date,
    )
    from riskpool.settings import Settings

    limits = SchemaLimits.of(Settings(max_amount=Decimal("1000"), date_horizon_days=10))
    assert limits.inputs.max_amount == Decimal("1000")
    assert limits.inputs.date_horizon == timedelta(days=10)
    parse = amount_parser(limits.inputs.max_amount)
    assert parse("-1000.00") == Decimal("-1000.00")
    with pytest.raises(AmountError, match="maximum of 1000"):
        parse("1000.01")
    dates = date_parser(limits.inputs.date_horizon)
    last = latest_date(limits.inputs.date_horizon)
    assert dates(last.isoformat()) == last
    with pytest.raises(ScalarInputError, match="after"):
        dates((last + timedelta(days=1)).isoformat())


def _literal(type_: Any, extreme: str, text: str = '"x"') -> str | None:
    """A GraphQL literal for ``type_``: Int arguments at ``extreme``, strings ``text``."""
    from graphql import (
        GraphQLEnumType,
        GraphQLInputObjectType,
        GraphQLList,
        GraphQLNonNull,
        GraphQLScalarType,
    )

    required = isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if required else type_
    if isinstance(inner, GraphQLList):
        return "[]"
    if isinstance(inner, GraphQLEnumType):
        return next(iter(inner.values))
    if isinstance(inner, GraphQLInputObjectType):
        fields = [
            f"{name}: {_literal(field.type, extreme, text)}"
            for name, field in inner.fields.items()
            if isinstance(field.type, GraphQLNonNull)
        ]
        return "{" + ", ".join(fields) + "}"
    assert isinstance(inner, GraphQLScalarType)
    return {
        "Int": extreme,
        "String": text,
        "ID": '"x"',
        "Boolean": "true",
        "Date": '"2025-07-01"',
        "DateTime": '"2025-07-01T10:00:00+08:00"',
        "Amount": '"1.00"',
        "JSON": '"{}"',
    }.get(inner.name, '"x"')


@pytest.mark.parametrize(
    ("extreme", "text"),
    [
        ("2147483647", '"x"'),
        ("-2147483648", '"x"'),
        ("0", '"x"'),
        ("1", '"' + "长" * 2500 + '"'),
        ("1", '""'),
    ],
)
async def test_every_int_and_string_argument_at_its_extremes_is_never_internal(
    api: Api, extreme: str, text: str
) -> None:
    """Generated from the schema: every query and mutation, each Int argument (required or
    not) at the 32-bit extremes, every string empty or of 2,500 characters."""
    from graphql import GraphQLNonNull, GraphQLObjectType, get_named_type, is_leaf_type

    from riskpool.graphql.schema import build_schema

    schema = build_schema(api.app.settings)._schema
    probes = 0
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert isinstance(root, GraphQLObjectType)
        for name, field in root.fields.items():
            arguments = []
            for arg_name, arg in field.args.items():
                inner = arg.type.of_type if isinstance(arg.type, GraphQLNonNull) else arg.type
                if getattr(inner, "name", None) == "Int" or isinstance(arg.type, GraphQLNonNull):
                    arguments.append(f"{arg_name}: {_literal(arg.type, extreme, text)}")
            args = f"({', '.join(arguments)})" if arguments else ""
            selection = "" if is_leaf_type(get_named_type(field.type)) else "{ __typename }"
            document = f"{kind} {{ {name}{args} {selection} }}"
            response = await api.client.post(
                "/graphql",
                json={"query": document},
                headers={"Authorization": f"Bearer {api.token(Role.OPERATOR)}"},
            )
            assert response.status_code == 200, (document, response.text)
            codes = {e["extensions"]["code"] for e in response.json().get("errors") or []}
            assert "INTERNAL" not in codes, (document, response.text)
            assert "GRAPHQL_VALIDATION" not in codes or extreme != "0", (document, response.text)
            probes += 1
    assert probes > 40
