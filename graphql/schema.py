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
    SchemaExtension,
    max_aliases,
    query_depth_limiter,
)
from strawberry.schema.config import StrawberryConfig

from riskpool.graphql.claims.mutations import ClaimMutation
from riskpool.graphql.claims.queries import ClaimQuery
from riskpool.graphql.claims.types import ClaimNode
from riskpool.graphql.core.documents import CachedDocuments, DocumentCache
from riskpool.graphql.core.extensions import CodedErrors, RefuseUnsafeText
from riskpool.graphql.core.limits import QueryCost, SchemaLimits
from riskpool.graphql.core.scalars import scalar_map
from riskpool.graphql.funds.mutations import FundMutation
from riskpool.graphql.innovation.mutations import InnovationMutation
from riskpool.graphql.innovation.queries import InnovationQuery
from riskpool.graphql.innovation.types import WARNING_TYPES
from riskpool.graphql.ledger.queries import LedgerQuery
from riskpool.graphql.ledger.types import JournalEntryType
from riskpool.graphql.loans.guarantees import GuaranteeMutation
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
    GuaranteeMutation,
    ClaimMutation,
    FundMutation,
    ReconciliationMutation,
    InnovationMutation,
):
    pass


def build_schema(settings: Settings) -> strawberry.Schema:
    """The schema with the request limits of ``settings`` (built once per set of limits)."""
    return _schema(SchemaLimits.of(settings))


@functools.cache
def _schema(limits: SchemaLimits) -> strawberry.Schema:
    # Factories, not instances: extensions keep per-request state (the cost),
    # so each request gets fresh ones. The depth and alias rules are built once
    # per schema, and so is the document cache that all its requests share.
    rules: list[type[ASTValidationRule]] = [
        query_depth_limiter.create_validator(limits.depth, None),
        max_aliases.create_validator(limits.aliases),
    ]
    documents = DocumentCache(limits.document_cache_bytes)
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        lambda: CodedErrors(hide_suggestions=limits.production),
        lambda: CachedDocuments(documents, hide_suggestions=limits.production),
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=limits.tokens),
        lambda: QueryCost(limits.cost, LIST_FIELDS),
        RefuseUnsafeText,
    ]
    if limits.production:
        extensions.append(DisableIntrospection)
    return strawberry.Schema(
        query=_query_type(),
        mutation=Mutation,
        types=[*NODE_TYPES, *WARNING_TYPES],
        extensions=extensions,
        config=StrawberryConfig(scalar_map=scalar_map(limits.inputs)),
    )


def export_sdl() -> str:
    """The schema as SDL, as committed in graphql/schema.graphql (development limits)."""
    return build_schema(Settings(load_demo=False)).as_str() + "\n"
