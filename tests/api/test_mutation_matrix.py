"""Tenant isolation of every write, as a matrix generated from the schema: the
mutation twin of ``test_tenant_matrix.py``.

Every mutation of the schema (walked from the schema, so a new mutation joins
the matrix on its own) × every role × ids of the caller's own rows, of another
tenant's rows and of rows that do not exist:

* for an institution user, another tenant's id gets *the same answer* as a
  missing one — userErrors (code, message, field) and top-level errors alike,
  the id itself aside — so neither a row's existence nor its state leaks;
* no payload, whatever was asked, carries another tenant's data (the read
  matrix's :func:`leaks`, payloads selected to the same depth);
* none of those refused requests changed anything: every table of the
  database is dumped before and after them and compared;
* for the pool's offices, a role the permission table refuses meets the same
  refusal for an existing id and a missing one.

Runs on both dialects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from api_harness import Api
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    GraphQLType,
    Undefined,
)
from sqlalchemy import select
from test_tenant_matrix import (
    MISSING,
    POOL_ROLES,
    Caller,
    _named,
    institution_caller,
    leaks,
    pool_caller,
    selection,
)

from riskpool.db import metadata
from riskpool.domain.model.parties import Role
from riskpool.graphql.schema import build_schema
from riskpool.settings import Settings

DEPTH = 3
"""Levels of nested objects selected under each payload."""

ID_ARGUMENTS = {
    "institutionId": "Institution",
    "lenderId": "Institution",
    "guarantorId": "Institution",
    "firmId": "Firm",
    "loanId": "Loan",
    "claimId": "Claim",
}
"""Arguments naming a tenant's row, and the kind of row they name."""

KNOWN_GAPS = frozenset({("grantLoan", "firmId"), ("grantLoan", "guarantorId")})
"""Slots where another tenant's row is *deliberately* usable, so its answer differs.

``guarantorId``: a bank may name any guarantee company (issue 15: naming is
allowed; the guarantor's acceptance is what protects it). ``firmId``: the
firm registry is the pool's (the operator registers firms, any bank may lend
to one); that a bank can lend to a firm it did not lend to before, and then
read it, is the open point "an institution sees a firm only when it lends to
it or registered it" (the registrant is not recorded yet; docs/security.md).
Both are still checked for leaks and for changing nothing when refused."""

VALUES = {
    "Date": '"2025-07-01"',
    "Int": "2024",
    "Boolean": "true",
    "MoneyInput": '{amount: "1.00", currency: "CNY"}',
    "Amount": '"1.00"',
}
"""Literals for the required arguments that name no tenant."""


@dataclass(frozen=True)
class Call:
    """One mutation document, and which id (if any) it names."""

    field: str
    template: str
    slot: str | None = None
    kind: str | None = None


def _literal(name: str, t: GraphQLType) -> str:
    named = _named(t)
    if named.name in VALUES:
        return VALUES[named.name]
    if isinstance(t, GraphQLNonNull) and isinstance(t.of_type, GraphQLList):
        return "[]"
    if isinstance(named, GraphQLEnumType):
        return str(next(iter(named.values)))
    if isinstance(named, GraphQLInputObjectType):
        inner = [
            f"{k}: {_literal(k, f.type)}"
            for k, f in named.fields.items()
            if isinstance(f.type, GraphQLNonNull)
        ]
        return "{" + ", ".join(inner) + "}"
    if named.name == "String":
        # Unique per call (contract numbers, keys and names are unique), and never an id.
        return f'"mx-{name}-@N@"'
    return VALUES[named.name]


def _arguments(field: GraphQLField, slot: str | None) -> str:
    parts = []
    for name, arg in field.args.items():
        if name == slot or (name in ID_ARGUMENTS and isinstance(arg.type, GraphQLNonNull)):
            parts.append(f"{name}: @{ID_ARGUMENTS[name]}:{'X' if name == slot else 'OWN'}@")
        elif isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined:
            parts.append(f"{name}: {_literal(name, arg.type)}")
    return ", ".join(parts)


def calls(schema: GraphQLSchema) -> Iterator[Call]:
    mutation = schema.mutation_type
    assert mutation is not None
    for name, field in mutation.fields.items():
        body = selection(schema, field.type, DEPTH)

        yield Call(name, _mutation(name, _arguments(field, None), body))
        for slot in field.args:
            if slot in ID_ARGUMENTS:
                document = _mutation(name, _arguments(field, slot), body)
                yield Call(name, document, slot, ID_ARGUMENTS[slot])


def _mutation(name: str, arguments: str, body: str) -> str:
    listed = f"({arguments})" if arguments else ""
    return f"mutation {{ {name}{listed} {{ {body} }} }}"


SCHEMA = build_schema(Settings(load_demo=False))._schema
CALLS = list(calls(SCHEMA))


def fill(call: Call, caller: Caller, which: str, n: int) -> str | None:
    """The document with ``which`` (own / other / missing) in its slot, the caller's own
    rows elsewhere; ``None`` when the caller has no such row."""
    text = call.template.replace("@N@", str(n))
    for kind in ("Institution", "Firm", "Loan", "Claim"):
        own = caller.own.get(kind)
        if f"@{kind}:OWN@" in text:
            text = text.replace(f"@{kind}:OWN@", str(own if own is not None else MISSING))
        if f"@{kind}:X@" in text:
            table = {"own": caller.own, "other": caller.other}.get(which, {})
            ident = MISSING if which == "missing" else table.get(kind)
            if ident is None:
                return None
            text = text.replace(f"@{kind}:X@", str(ident))
    return text


async def dump(api: Api) -> str:
    """Every row of every table, in a stable order: what "nothing changed" compares."""
    rows: dict[str, list[list[str]]] = {}
    async with api.app.db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            found = await conn.execute(select(table))
            rows[table.name] = sorted([str(v) for v in row] for row in found)
    return json.dumps(rows, sort_keys=True, ensure_ascii=False)


def normalized(body: dict[str, Any], ident: int) -> str:
    """The answer with the id the caller sent replaced: "no loan #7" is "no loan #987654"."""
    return re.sub(rf"(?<![\d.]){ident}(?![\d.])", "@ID@", json.dumps(body, ensure_ascii=False))


async def send(api: Api, caller: Caller, document: str) -> dict[str, Any]:
    response = await api.client.post(
        "/graphql",
        json={"query": document},
        headers={"Authorization": f"Bearer {api.token(caller.role, caller.institution_id)}"},
    )
    assert response.status_code == 200, (document, response.text)
    body: dict[str, Any] = response.json()
    return body


def refusals(body: dict[str, Any]) -> list[str]:
    found = [e.get("extensions", {}).get("code", "?") for e in body.get("errors") or []]
    for payload in (body.get("data") or {}).values():
        found.extend(e["code"] for e in (payload or {}).get("userErrors") or [])
    return sorted(found)


BROKEN = frozenset({"INTERNAL", "GRAPHQL_VALIDATION", "GRAPHQL_PARSE_FAILED", "?"})


def test_the_matrix_covers_every_mutation_and_id_argument() -> None:
    assert SCHEMA.mutation_type is not None
    assert {c.field for c in CALLS} == set(SCHEMA.mutation_type.fields)
    slots = {(c.field, c.slot) for c in CALLS if c.slot is not None}
    assert {
        ("grantLoan", "lenderId"),
        ("enterPool", "loanId"),
        ("submitClaim", "loanId"),
        ("withdrawClaim", "claimId"),
        ("assessSuspension", "institutionId"),
        ("submitInnovationIndicators", "firmId"),
    } <= slots


@pytest.mark.parametrize("me", ["bank_b", "guarantor"])
async def test_another_tenants_ids_answer_as_missing_ones_and_change_nothing(
    api: Api, me: str
) -> None:
    caller = institution_caller(api.world, me)
    problems: list[str] = []
    n = 0
    before = await dump(api)
    compared = 0
    for call in CALLS:
        if call.slot is None or call.kind is None:
            continue
        answers: dict[str, dict[str, Any]] = {}
        for which in ("other", "missing"):
            n += 1
            document = fill(call, caller, which, n)
            assert document is not None
            body = await send(api, caller, document)
            if BROKEN & set(refusals(body)):
                problems.append(f"{refusals(body)} for {document}: {body}")
            problems.extend(f"{leak} for {document}" for leak in leaks(caller, body))
            answers[which] = body
        if (call.field, call.slot) in KNOWN_GAPS:
            continue
        other = normalized(answers["other"], caller.other[call.kind])
        missing = normalized(answers["missing"], MISSING)
        compared += 1
        if other != missing:
            problems.append(f"{call.field}({call.slot}): other {other[:300]} vs missing {missing}")
        if not refusals(answers["missing"]):
            problems.append(f"{call.field}({call.slot}): a missing id was not refused")
    # Nothing of the refused requests stuck: not a row, not a counter, not a key.
    assert await dump(api) == before
    assert compared >= 15
    # Own ids get past the scope (so the comparisons above are not between two
    # refusals that would have happened anyway), and nothing leaks there either.
    passed = 0
    for call in CALLS:
        n += 1
        document = fill(call, caller, "own", n)
        if document is None:
            continue
        body = await send(api, caller, document)
        if BROKEN & set(refusals(body)):
            problems.append(f"{refusals(body)} for {document}: {body}")
        problems.extend(f"{leak} for {document}" for leak in leaks(caller, body))
        if call.slot is not None and '"NOT_FOUND"' not in json.dumps(body):
            passed += 1
    assert passed >= 10
    assert problems == []


@pytest.mark.parametrize("role", POOL_ROLES, ids=lambda r: r.value.lower())
async def test_a_refused_office_meets_the_same_refusal_for_existing_and_missing_ids(
    api: Api, role: Role
) -> None:
    caller = pool_caller(api.world, role)
    problems: list[str] = []
    before = await dump(api)
    n = 0
    refused = 0
    for call in CALLS:
        if call.slot is None or call.kind is None:
            continue
        n += 1
        missing_document = fill(call, caller, "missing", n)
        assert missing_document is not None
        missing = await send(api, caller, missing_document)
        if BROKEN & set(refusals(missing)):
            problems.append(f"{refusals(missing)} for {missing_document}")
        if refusals(missing) != ["FORBIDDEN"]:
            continue  # the role may act: an existing id would act, not be compared
        n += 1
        existing_document = fill(call, caller, "own", n)
        assert existing_document is not None
        existing = await send(api, caller, existing_document)
        refused += 1
        if existing != missing:
            problems.append(f"{call.field}({call.slot}): {existing} vs {missing}")
    assert await dump(api) == before
    assert refused > 0
    assert problems == []


async def test_a_guaranteed_loan_enters_the_pool_only_after_its_guarantor_accepts(
    api: Api,
) -> None:
    w = api.world
    grant = (
        'mutation { grantLoan(contractNo: "A-G2", lenderId: @L@, firmId: @F@, '
        'loanType: GUARANTEED, creditLine: {amount: "100000.00"}, grantedOn: "2025-06-20", '
        'maturity: "2026-06-20", guarantorId: @G@) { loan { databaseId } userErrors { code } } }'
    )
    document = grant.replace("@L@", str(w.bank_a)).replace("@F@", str(w.firm_b))
    made = await api.gql(
        document.replace("@G@", str(w.guarantor)), role=Role.INSTITUTION, institution_id=w.bank_a
    )
    loan_id = made["data"]["grantLoan"]["loan"]["databaseId"]
    enter = f"mutation {{ enterPool(loanId: {loan_id}) {{ userErrors {{ code }} }} }}"
    accept = f"mutation {{ acceptGuarantee(loanId: {loan_id}) {{ userErrors {{ code }} }} }}"
    refused = await api.gql(enter, role=Role.INSTITUTION, institution_id=w.bank_a)
    assert refused["data"]["enterPool"]["userErrors"] == [{"code": "GUARANTEE_NOT_ACCEPTED"}]
    # Neither the lender nor the operator can accept for the guarantor; another bank
    # is answered as for a missing loan.
    lender = await api.gql(accept, role=Role.INSTITUTION, institution_id=w.bank_a)
    assert lender["data"]["acceptGuarantee"]["userErrors"] == [{"code": "FORBIDDEN"}]
    operator = await api.gql(accept)
    assert operator["data"]["acceptGuarantee"]["userErrors"] == [{"code": "FORBIDDEN"}]
    stranger = await api.gql(accept, role=Role.INSTITUTION, institution_id=w.bank_b)
    assert stranger["data"]["acceptGuarantee"]["userErrors"] == [{"code": "NOT_FOUND"}]
    ok = await api.gql(accept, role=Role.INSTITUTION, institution_id=w.guarantor)
    assert ok["data"]["acceptGuarantee"]["userErrors"] == []
    entered = await api.gql(enter, role=Role.INSTITUTION, institution_id=w.bank_a)
    assert entered["data"]["enterPool"]["userErrors"] == []
