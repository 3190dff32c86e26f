"""Tenant isolation of every read, as a matrix generated from the schema itself.

Every query field of the schema (walked from the schema, so a new field joins
the matrix without anyone remembering to add it) × every role × ids of the
caller's own rows, of another tenant's rows and of rows that do not exist:

* for an institution user, the answer for another tenant's id is *identical*
  to the answer for an id that does not exist (no FORBIDDEN-vs-NOT_FOUND
  oracle, no "exists but empty" difference), and no response, whatever was
  asked, names another tenant: no other institution's or invisible firm's
  name, no invisible firm's USCC, no invisible loan's contract number, no
  global id of an invisible row, no ``lenderId``/``firmId``/… of one;
* for the pool's offices, who read the whole pool, an existing id and a
  missing one meet the same errors (none, or the same refusal for the role).

Each document selects every field the type has (nested objects to a fixed
depth, every implementation of an interface), so a nested resolver that
forgot the scope shows up here too. Runs on both dialects.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from api_harness import OPERATOR, Api, World
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    GraphQLUnionType,
    Undefined,
)

from riskpool.domain.commands import loans as lc
from riskpool.domain.model.innovation.catalogue import NATIONAL_CORE, IndicatorGroup
from riskpool.domain.model.parties import Role
from riskpool.domain.model.uscc import generate_uscc
from riskpool.graphql.schema import build_schema
from riskpool.settings import Settings

MISSING = 987_654
"""An id no row has."""

DEPTH = 4
"""Levels of nested objects selected under each query field."""

SKIPPED_FIELDS = frozenset({"edges", "cursor", "startCursor", "endCursor"})
"""Connection plumbing: ``nodes`` carries the same rows, cursors are opaque."""

ID_ARGUMENTS = {"institutionId": "Institution", "firmId": "Firm", "loanId": "Loan"}
"""Arguments (or input fields) naming a tenant's row, and the kind of row they name."""

NODE_TYPES = ("Institution", "Firm", "Loan", "Claim", "JournalEntry")

REQUIRED_VALUES = {"Date": '"2025-12-31"', "String": '"CITY_POOL"', "Int": "2024"}
"""Literals for required arguments that name no tenant (a date, a book, a year)."""

PRESETS: dict[str, list[str]] = {
    "loanStatistics": [
        "",
        "bucket: MONTH",
        *(
            f"groupBy: {g}"
            for g in ("INSTITUTION", "CLAIMANT", "LOAN_TYPE", "POLICY", "SECTOR", "TIER")
        ),
    ],
    "warnings": [
        'asOf: "2025-05-15", overdueDays: 1, suspensionMargin: "1", '
        'institutionShareLimit: "0", sectorShareLimit: "0"'
    ],
    "loans": ["first: 20", "first: 20, sort: CREDIT_LINE, descending: true"],
}
"""Extra argument sets for fields whose answer depends on them (every grouping, the
loosest warning limits: ``institutionShareLimit: "0"`` once gave away the pool's total)."""

POOL_ONLY_FIELDS = frozenset({"cohortMin", "cohortMax", "cohortSize"})
"""Figures of the whole cohort (other firms' values, a pool-wide count): null for institutions."""

POOL_ROLES = (
    Role.OPERATOR,
    Role.AUDITOR,
    Role.SCIENCE_BUREAU,
    Role.FINANCE_BUREAU,
    Role.CITY_GOVERNMENT,
    Role.VIEWER,
)


def _named(t: GraphQLType) -> GraphQLNamedType:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    assert isinstance(t, GraphQLNamedType)
    return t


def _conflicts(possible: Sequence[GraphQLObjectType]) -> frozenset[str]:
    """Field names that the implementations of one interface give different types."""
    types: dict[str, set[str]] = {}
    for t in possible:
        for name, field in t.fields.items():
            types.setdefault(name, set()).add(str(field.type))
    return frozenset(name for name, found in types.items() if len(found) > 1)


def selection(
    schema: GraphQLSchema,
    t: GraphQLType,
    depth: int,
    prefix: str = "",
    aliased: frozenset[str] = frozenset(),
) -> str:
    """Every field of ``t`` (``""`` for a leaf); composite fields while ``depth`` lasts.

    Inside the fragments of an interface, a name that implementations type
    differently is aliased ``Type_field`` (one selection may not give a response
    key two types).
    """
    named = _named(t)
    if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
        parts = ["__typename"]
        possible = schema.get_possible_types(named)
        clashing = _conflicts(possible)
        for implementation in possible:
            inner = selection(schema, implementation, depth, f"{implementation.name}_", clashing)
            parts.append(f"... on {implementation.name} {{ {inner} }}")
        return " ".join(parts)
    if not isinstance(named, GraphQLObjectType):
        return ""
    parts = []
    for name, field in named.fields.items():
        if name in SKIPPED_FIELDS or any(
            isinstance(a.type, GraphQLNonNull) for a in field.args.values()
        ):
            continue
        inner_type = _named(field.type)
        if isinstance(inner_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
            if depth == 0:
                continue
            inner = selection(schema, field.type, depth - 1)
            if inner:
                parts.append(f"{_alias(prefix, name, aliased)} {{ {inner} }}")
        else:
            parts.append(_alias(prefix, name, aliased))
    return " ".join(parts)


def _alias(prefix: str, name: str, aliased: frozenset[str]) -> str:
    return f"{prefix}{name}: {name}" if name in aliased else name


def field_name(key: str | None) -> str:
    """The schema's field name of a response key (aliases are ``Type_field``)."""
    return (key or "").rsplit("_", 1)[-1]


@dataclass(frozen=True)
class Variant:
    """One document of the matrix: a query field with arguments, and which id it names."""

    field: str
    document: str
    kind: str | None = None
    """``Institution``, ``Firm``, … when the document names a row; ``None`` otherwise."""
    which: str | None = None
    """``own``, ``other`` or ``missing``."""
    slot: str = ""
    """Where the id goes (the argument), to pair ``other`` with ``missing``."""


def _id_slots(field: GraphQLField) -> Iterator[tuple[str, str, str]]:
    """(slot label, argument template with ``@ID@``, kind) for each id argument of ``field``."""
    for name, arg in field.args.items():
        if name in ID_ARGUMENTS:
            yield name, f"{name}: @ID@", ID_ARGUMENTS[name]
        arg_type = _named(arg.type)
        if isinstance(arg_type, GraphQLInputObjectType):
            for inner in arg_type.fields:
                if inner in ID_ARGUMENTS:
                    yield f"{name}.{inner}", f"{name}: {{{inner}: @ID@}}", ID_ARGUMENTS[inner]


def _required(field_name: str, field: GraphQLField) -> list[str]:
    parts = []
    for name, arg in field.args.items():
        if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined and name != "id":
            arg_type = _named(arg.type)
            if isinstance(arg_type, GraphQLEnumType):
                value = next(iter(arg_type.values))
            else:
                value = REQUIRED_VALUES[arg_type.name]
            parts.append(f"{name}: {value}")
    return parts


def _document(field: str, args: list[str], tail: str) -> str:
    listed = ", ".join(args)
    return f"{{ {field}{f'({listed})' if listed else ''}{tail} }}"


def variants(schema: GraphQLSchema) -> list[Variant]:
    """Every query field with the arguments that matter; ``@ID@`` marks an id to fill."""
    query = schema.query_type
    assert query is not None
    found: list[Variant] = []
    for name, field in query.fields.items():
        body = selection(schema, field.type, DEPTH)
        tail = f" {{ {body} }}" if body else ""
        if name == "node":
            for kind in NODE_TYPES:
                for which in ("own", "other", "missing"):
                    document = f'{{ node(id: "@GID@") {tail} }}'
                    found.append(Variant(name, document, kind, which, "id"))
            continue
        required = _required(name, field)
        for preset in PRESETS.get(name, [""]):
            fixed = [*required, *([preset] if preset else [])]
            found.append(Variant(name, _document(name, fixed, tail)))
            for slot, template, kind in _id_slots(field):
                for which in ("own", "other", "missing"):
                    document = _document(name, [*fixed, template], tail)
                    found.append(Variant(name, document, kind, which, f"{preset}|{slot}"))
    return found


@dataclass(frozen=True)
class Caller:
    """Who asks, and which rows of the world are its own and which another tenant's."""

    role: Role
    institution_id: int | None
    own: dict[str, int]
    other: dict[str, int]
    forbidden_text: tuple[str, ...]
    """Substrings that must appear in no string of any response."""
    forbidden_ids: dict[str, frozenset[int]]
    """Integer ids that must not be the value of these keys anywhere in a response."""
    forbidden_gids: frozenset[str]
    forbidden_contracts: frozenset[str] = frozenset()
    """Contract numbers of loans the caller may not read (compared with ``contractNo``)."""


def _gid(kind: str, ident: int) -> str:
    return base64.b64encode(f"{kind}:{ident}".encode()).decode()


NAMES = {"bank_a": "甲银行", "bank_b": "乙银行", "guarantor": "丙担保"}
FIRMS = {"firm_a": ("甲科技", generate_uscc(11)), "firm_b": ("乙科技", generate_uscc(12))}
CONTRACTS = {"loan_a": "A-1", "loan_b": "B-1", "loan_guaranteed": "A-G"}


def institution_caller(w: World, me: str) -> Caller:
    """An institution user: ``me`` is ``bank_b`` (no shared loan) or ``guarantor`` (A-G)."""
    visible_loans = {"bank_b": {"loan_b"}, "guarantor": {"loan_guaranteed"}}[me]
    firm_of = {"loan_a": "firm_a", "loan_b": "firm_b", "loan_guaranteed": "firm_b"}
    visible_firms = {firm_of[loan] for loan in visible_loans}
    hidden_institutions = [k for k in NAMES if k != me]
    # A loan's parties hold its contract: the guarantor may read its lender's id on the
    # loans they share (a warning's lenderId), never its name nor any other of its rows.
    counterparties = {"bank_b": set(), "guarantor": {"bank_a"}}[me]
    unrelated = [k for k in hidden_institutions if k not in counterparties]
    hidden_firms = [k for k in FIRMS if k not in visible_firms]
    hidden_loans = [k for k in CONTRACTS if k not in visible_loans]
    ident = {k: getattr(w, k) for k in (*NAMES, *FIRMS, *CONTRACTS)}
    own_loan = next(iter(visible_loans))
    return Caller(
        role=Role.INSTITUTION,
        institution_id=ident[me],
        own={"Institution": ident[me], "Firm": ident[firm_of[own_loan]], "Loan": ident[own_loan]},
        other={
            "Institution": w.bank_a,
            "Firm": w.firm_a,
            "Loan": w.loan_a,
            "Claim": w.claim_a,
            "JournalEntry": 1,
        },
        forbidden_text=(
            *(NAMES[k] for k in hidden_institutions),
            *(part for k in hidden_firms for part in FIRMS[k]),
        ),
        forbidden_ids={
            "institutionId": frozenset(ident[k] for k in unrelated),
            "lenderId": frozenset(ident[k] for k in unrelated),
            "guarantorId": frozenset(ident[k] for k in unrelated),
            "firmId": frozenset(ident[k] for k in hidden_firms),
            "loanId": frozenset(ident[k] for k in hidden_loans),
        },
        forbidden_gids=frozenset(
            [
                *(_gid("Institution", ident[k]) for k in hidden_institutions),
                *(_gid("Firm", ident[k]) for k in hidden_firms),
                *(_gid("Loan", ident[k]) for k in hidden_loans),
                _gid("Claim", w.claim_a),
            ]
        ),
        forbidden_contracts=frozenset(CONTRACTS[k] for k in hidden_loans),
    )


def pool_caller(w: World, role: Role) -> Caller:
    existing = {
        "Institution": w.bank_a,
        "Firm": w.firm_a,
        "Loan": w.loan_a,
        "Claim": w.claim_a,
        "JournalEntry": 1,
    }
    return Caller(role, None, existing, {}, (), {}, frozenset())


def fill(variant: Variant, caller: Caller) -> str | None:
    """The document with its id filled in; ``None`` when the caller has no such row."""
    if variant.kind is None:
        return variant.document
    table = {"own": caller.own, "other": caller.other}.get(variant.which or "", {})
    ident = MISSING if variant.which == "missing" else table.get(variant.kind)
    if ident is None:
        return None
    return variant.document.replace("@ID@", str(ident)).replace("@GID@", _gid(variant.kind, ident))


def leaks(caller: Caller, body: Any) -> list[str]:
    """Every piece of another tenant's data in ``body``."""
    found: list[str] = []

    def walk(value: Any, key: str | None) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif field_name(key) in POOL_ONLY_FIELDS and value is not None and caller.institution_id:
            found.append(f"pool-wide {key}={value!r}")
        elif isinstance(value, str):
            if value in caller.forbidden_gids:
                found.append(f"global id {value!r} at {key}")
            found.extend(f"{text!r} in {key}" for text in caller.forbidden_text if text in value)
            if field_name(key) == "contractNo" and value in caller.forbidden_contracts:
                found.append(f"contract {value!r}")
        elif isinstance(value, int) and value in caller.forbidden_ids.get(field_name(key), ()):
            found.append(f"{key}={value}")

    walk(body, None)
    return found


def codes(body: dict[str, Any]) -> list[str]:
    return sorted(e.get("extensions", {}).get("code", "?") for e in body.get("errors") or [])


EXPECTED_REFUSALS = {"FORBIDDEN"}
"""What a plain question (no id, or an id of the caller's own) may meet: its role's refusal.
Anything else (a VALIDATION of the generated arguments, say) would make the
comparisons of the matrix vacuous."""

UNREADY = {"reconciliationReport": {"NOT_FOUND"}, "reconciliationProposals": {"NOT_FOUND"}}
"""The small world imports no bank statement: the reconciliation has nothing to report."""

BROKEN = frozenset({"INTERNAL", "GRAPHQL_VALIDATION", "GRAPHQL_PARSE_FAILED", "?"})
"""Answers that mean the matrix itself (or the server) is broken, never a scoping answer."""


def plain_refusals(variant: Variant, found: list[str], document: str) -> list[str]:
    allowed = EXPECTED_REFUSALS | UNREADY.get(variant.field, set())
    return [f"{code} for {document}" for code in found if code not in allowed]


async def ask(api: Api, caller: Caller, document: str) -> dict[str, Any]:
    response = await api.client.post(
        "/graphql",
        json={"query": document},
        headers={"Authorization": f"Bearer {api.token(caller.role, caller.institution_id)}"},
    )
    assert response.status_code == 200, (document, response.text)
    body: dict[str, Any] = response.json()
    return body


REQUIRED_CORE = [i.code for i in NATIONAL_CORE if i.group is not IndicatorGroup.AUXILIARY]


async def score_both_firms(api: Api) -> None:
    """A scoring run over both firms, through the API, so the scores have something to leak."""
    for level, firm in enumerate((api.world.firm_a, api.world.firm_b), 1):
        values = ", ".join(f'{{code: "{c}", value: "{level}"}}' for c in REQUIRED_CORE)
        body = await api.gql(
            f"mutation {{ submitInnovationIndicators(firmId: {firm}, year: 2024, stage: GROWTH, "
            f'values: [{values}], source: "test") {{ userErrors {{ code message }} }} }}'
        )
        assert body["data"]["submitInnovationIndicators"]["userErrors"] == [], body
    run = await api.gql("mutation { runInnovationScoring(year: 2024) { userErrors { code } } }")
    assert run["data"]["runInnovationScoring"]["userErrors"] == [], run


async def overdue_guaranteed_loan(api: Api) -> None:
    """The shared loan A-G overdue, so the guarantor has a warning naming its lender's loan
    (history before the test clock's back-dating window: imported)."""
    overdue = lc.MarkOverdue(loan_id=api.world.loan_guaranteed, since=date(2025, 4, 10))
    at = datetime(2025, 4, 10, 2, 0, tzinfo=UTC)
    await api.app.bus.import_history(overdue, OPERATOR, at=at, importer=OPERATOR)


SCHEMA = build_schema(Settings(load_demo=False))._schema
MATRIX = variants(SCHEMA)


def test_the_matrix_covers_every_query_field() -> None:
    assert SCHEMA.query_type is not None
    assert {v.field for v in MATRIX} == set(SCHEMA.query_type.fields)
    # The id arguments were found where they exist (the generator is not vacuous).
    slots = {(v.field, v.slot.split("|")[-1]) for v in MATRIX if v.kind is not None}
    assert {
        ("loans", "filter.institutionId"),
        ("loans", "filter.firmId"),
        ("claims", "institutionId"),
        ("claims", "loanId"),
        ("loanStatistics", "institutionId"),
        ("warnings", "institutionId"),
        ("innovationScores", "firmId"),
        ("node", "id"),
    } <= slots


@pytest.mark.parametrize("me", ["bank_b", "guarantor"])
async def test_another_tenants_ids_answer_as_missing_ones_and_nothing_leaks(
    api: Api, me: str
) -> None:
    await score_both_firms(api)
    await overdue_guaranteed_loan(api)
    w = api.world
    caller = institution_caller(w, me)
    # The pool-wide outstanding is the fund's figure, never an institution's to see (a
    # concentration share once gave it away); the caller's own loans are a third of it.
    pool = await api.gql(
        '{ loanStatistics(asOf: "2025-12-31") { totals { outstanding { amount } } } }'
    )
    pool_outstanding = pool["data"]["loanStatistics"]["totals"]["outstanding"]["amount"]
    assert pool_outstanding == "2400000.00"
    caller = dataclasses.replace(caller, forbidden_text=(*caller.forbidden_text, pool_outstanding))
    answers: dict[tuple[str, str, str, str | None], dict[str, Any]] = {}
    problems: list[str] = []
    for variant in MATRIX:
        document = fill(variant, caller)
        if document is None:
            continue
        body = await ask(api, caller, document)
        if BROKEN & set(codes(body)):
            problems.append(f"{codes(body)} for {document}: {body.get('errors')}")
        if variant.which in (None, "own"):
            problems.extend(plain_refusals(variant, codes(body), document))
        problems.extend(f"{leak} for {document}" for leak in leaks(caller, body))
        answers[(variant.field, variant.slot, variant.kind or "", variant.which)] = body
    compared = 0
    for (field, slot, kind, which), body in answers.items():
        if which != "other":
            continue
        missing = answers[(field, slot, kind, "missing")]
        compared += 1
        if body != missing:
            problems.append(
                f"{field} {slot} {kind}: another tenant's id answers "
                f"{json.dumps(body, ensure_ascii=False)[:300]} but a missing one "
                f"{json.dumps(missing, ensure_ascii=False)[:300]}"
            )
    # Own rows are readable, so the comparisons above are not between two empty answers.
    for kind in ("Institution", "Firm", "Loan"):
        own = answers[("node", "id", kind, "own")]
        if (own.get("data") or {}).get("node") is None:
            problems.append(f"own {kind} unreadable through node(id): {own}")
    own_warnings = json.dumps(answers[("warnings", "", "", None)], ensure_ascii=False)
    if me == "guarantor":  # its own loan's warning is there: the warnings were not all empty
        assert '"A-G"' in own_warnings, own_warnings
    assert compared == sum(1 for v in MATRIX if v.which == "other") > 0
    assert problems == []


@pytest.mark.parametrize("role", POOL_ROLES, ids=lambda r: r.value.lower())
async def test_the_pool_offices_meet_the_same_errors_for_existing_and_missing_ids(
    api: Api, role: Role
) -> None:
    caller = pool_caller(api.world, role)
    answers: dict[tuple[str, str, str, str | None], list[str]] = {}
    problems: list[str] = []
    for variant in MATRIX:
        if variant.which == "other":
            continue
        document = fill(variant, caller)
        assert document is not None
        found = codes(await ask(api, caller, document))
        if BROKEN & set(found):
            problems.append(f"{found} for {document}")
        if variant.which in (None, "own"):
            problems.extend(plain_refusals(variant, found, document))
        answers[(variant.field, variant.slot, variant.kind or "", variant.which)] = found
    for (field, slot, kind, which), found in answers.items():
        if which == "own" and found != answers[(field, slot, kind, "missing")]:
            problems.append(
                f"{field} {slot} {kind}: {found} vs {answers[(field, slot, kind, 'missing')]}"
            )
    assert problems == []
