"""The schema: every area's queries and mutations, and the request limits.

Areas live in their own folders (``ledger/``, …) with ``types``, ``queries``,
``mutations`` and ``loaders`` modules; this module only assembles them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import strawberry
from graphql import ASTValidationRule
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
    max_aliases,
    query_depth_limiter,
)
from strawberry.schema.config import StrawberryConfig

from riskpool.graphql.claims.mutations import ClaimMutation
from riskpool.graphql.claims.queries import ClaimQuery
from riskpool.graphql.claims.types import ClaimNode
from riskpool.graphql.core.extensions import CodedErrors, RefuseNulCharacters
from riskpool.graphql.core.limits import QueryCost
from riskpool.graphql.core.scalars import SCALARS
from riskpool.graphql.funds.mutations import FundMutation
from riskpool.graphql.innovation.mutations import InnovationMutation
from riskpool.graphql.innovation.queries import InnovationQuery
from riskpool.graphql.innovation.types import WARNING_TYPES
from riskpool.graphql.ledger.queries import LedgerQuery
from riskpool.graphql.ledger.types import JournalEntryType
from riskpool.graphql.loans.mutations import LoanMutation
from riskpool.graphql.loans.queries import LoanQuery
from riskpool.graphql.loans.types import LoanNode
from riskpool.graphql.parties.mutations import PartyMutation
from riskpool.graphql.parties.queries import PartyQuery
from riskpool.graphql.parties.types import FirmType, InstitutionType
from riskpool.graphql.reconciliation.mutations import ReconciliationMutation
from riskpool.graphql.reconciliation.queries import ReconciliationQuery
from riskpool.graphql.stats.queries import StatsQuery
from riskpool.settings import Settings

NODE_TYPES: list[type] = [JournalEntryType, InstitutionType, FirmType, LoanNode, ClaimNode]

LIST_FIELDS = {
    "trail": 8,
    "claims": 3,
    "history": 5,
    "postings": 4,
    "disbursements": 5,
    "repayments": 12,
    "prepayments": 3,
    "books": 3,
    "rows": 60,
    "scores": 90,
    "contributions": 19,
    "indicators": 19,
    "weights": 3,
    "values": 18,
    "warnings": 20,
}
"""Lists without page arguments and their typical sizes, for the query cost estimate."""


def _query_type() -> type:
    """A fresh root query type: strawberry binds the ``node`` field to one schema."""

    @strawberry.type(name="Query")
    class Query(
        LedgerQuery,
        PartyQuery,
        LoanQuery,
        ClaimQuery,
        StatsQuery,
        ReconciliationQuery,
        InnovationQuery,
    ):
        node: relay.Node | None = relay.node()

    return Query


@strawberry.type
class Mutation(
    PartyMutation,
    LoanMutation,
    ClaimMutation,
    FundMutation,
    ReconciliationMutation,
    InnovationMutation,
):
    pass


def build_schema(settings: Settings) -> strawberry.Schema:
    """The schema with the request limits of ``settings`` (built once per set of limits)."""
    return _schema(
        settings.max_query_depth,
        settings.max_aliases,
        settings.max_tokens,
        settings.max_query_cost,
        settings.is_production,
    )


@functools.cache
def _schema(
    depth: int, aliases: int, tokens: int, cost: int, production: bool
) -> strawberry.Schema:
    # Factories, not instances: extensions keep per-request state (the cost),
    # so each request gets fresh ones. The depth and alias rules are built once
    # per schema: the validation cache is keyed by the rule classes, and rule
    # classes made per request would never hit it.
    limits: list[type[ASTValidationRule]] = [
        query_depth_limiter.create_validator(depth, None),
        max_aliases.create_validator(aliases),
    ]
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        CodedErrors,
        lambda: ParserCache(maxsize=256),
        lambda: AddValidationRules(limits),
        lambda: ValidationCache(maxsize=256),
        lambda: MaxTokensLimiter(max_token_count=tokens),
        lambda: QueryCost(cost, LIST_FIELDS),
        RefuseNulCharacters,
    ]
    if production:
        extensions.append(DisableIntrospection)
    return strawberry.Schema(
        query=_query_type(),
        mutation=Mutation,
        types=[*NODE_TYPES, *WARNING_TYPES],
        extensions=extensions,
        config=StrawberryConfig(scalar_map=SCALARS),
    )


def export_sdl() -> str:
    """The schema as SDL, as committed in graphql/schema.graphql (development limits)."""
    return build_schema(Settings(load_demo=False)).as_str() + "\n"
