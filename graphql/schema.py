"""The schema: every area's queries and mutations, and the request limits.

Areas live in their own folders (``ledger/``, …) with ``types``, ``queries``,
``mutations`` and ``loaders`` modules; this module only assembles them.
"""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from riskpool.graphql.core.extensions import CodedErrors
from riskpool.graphql.core.limits import QueryCost
from riskpool.graphql.ledger.queries import LedgerQuery
from riskpool.graphql.ledger.types import JournalEntryType
from riskpool.settings import Settings

NODE_TYPES: list[type] = [JournalEntryType]


@strawberry.type
class Query(LedgerQuery):
    node: relay.Node = relay.node()


def build_schema(settings: Settings) -> strawberry.Schema:
    extensions: list[SchemaExtension | type[SchemaExtension]] = [
        CodedErrors,
        ParserCache(maxsize=256),
        ValidationCache(maxsize=256),
        QueryDepthLimiter(max_depth=settings.max_query_depth),
        MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        MaxTokensLimiter(max_token_count=settings.max_tokens),
        QueryCost(settings.max_query_cost),
    ]
    if settings.is_production:
        extensions.append(DisableIntrospection())
    return strawberry.Schema(query=Query, types=NODE_TYPES, extensions=extensions)
