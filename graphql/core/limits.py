"""Query cost: a static estimate of the work a query asks for, enforced and reported.

Depth, alias and token limits (strawberry's extensions) bound the document;
the cost bounds what it makes the server do. Every field costs 1; a field that
returns a list or connection multiplies the cost of its selection by the page
size it asks for (``first``/``last``, default 20, capped at 100), so nested
connections grow multiplicatively — exactly the queries that must be refused.
Lists without page arguments (a claim's trail, a loan's claims) count with a
documented typical size (``LIST_FIELDS`` in the schema module); a connection's
``edges``/``nodes`` do not multiply again, the page size already did.
The computed cost is returned in ``extensions.cost`` on every response.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)
from graphql.execution import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension

from riskpool.graphql.core.scalars import InputLimits
from riskpool.paging import DEFAULT_PAGE, MAX_PAGE
from riskpool.settings import Settings

LIST_ARGUMENTS = ("first", "last", "limit")


@dataclass(frozen=True, slots=True)
class SchemaLimits:
    """Every limit a schema enforces, from the settings (hashable: one schema per set)."""

    depth: int
    aliases: int
    tokens: int
    cost: int
    production: bool
    document_cache_bytes: int
    inputs: InputLimits

    @classmethod
    def of(cls, settings: Settings) -> SchemaLimits:
        return cls(
            depth=settings.max_query_depth,
            aliases=settings.max_aliases,
            tokens=settings.max_tokens,
            cost=settings.max_query_cost,
            production=settings.is_production,
            document_cache_bytes=settings.document_cache_bytes,
            inputs=InputLimits(max_amount=settings.max_amount, date_horizon=settings.date_horizon),
        )


def _page_size(field: FieldNode, variables: Mapping[str, Any]) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value not in LIST_ARGUMENTS:
            continue
        node = argument.value
        if isinstance(node, VariableNode):
            value = variables.get(node.name.value)
        else:
            value = getattr(node, "value", None)
        try:
            return max(0, min(int(value), MAX_PAGE)) if value is not None else DEFAULT_PAGE
        except (TypeError, ValueError):
            return MAX_PAGE
    return None


CONNECTION_FIELDS = frozenset({"edges", "nodes", "totalCount", "pageInfo"})


def _is_connection(field: FieldNode) -> bool:
    if field.selection_set is None:
        return False
    return any(
        isinstance(s, FieldNode) and s.name.value in CONNECTION_FIELDS
        for s in field.selection_set.selections
    )


def selection_cost(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    list_fields: Mapping[str, int],
    seen: frozenset[str] = frozenset(),
) -> int:
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            inner = selection_cost(selection.selection_set, fragments, variables, list_fields, seen)
            size = _page_size(selection, variables)
            if size is None and _is_connection(selection):
                size = DEFAULT_PAGE
            elif size is None:
                size = list_fields.get(selection.name.value)
            total += 1 + inner * (size if size is not None else 1)
        elif isinstance(selection, InlineFragmentNode):
            total += selection_cost(
                selection.selection_set, fragments, variables, list_fields, seen
            )
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in seen or name not in fragments:
                continue
            total += selection_cost(
                fragments[name].selection_set, fragments, variables, list_fields, seen | {name}
            )
    return total


class QueryCost(SchemaExtension):
    """Refuse operations whose estimated cost exceeds ``maximum``; report the cost."""

    def __init__(self, maximum: int, list_fields: Mapping[str, int] | None = None) -> None:
        self.maximum = maximum
        self.list_fields = dict(list_fields or {})
        self.cost: int | None = None

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            name = context.operation_name
            chosen = [o for o in operations if name is None or (o.name and o.name.value == name)]
            self.cost = sum(
                selection_cost(
                    o.selection_set, fragments, context.variables or {}, self.list_fields
                )
                for o in chosen[:1]
            )
            if self.cost > self.maximum:
                context.result = GraphQLExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            f"query cost {self.cost} exceeds the limit of {self.maximum}; "
                            "ask for smaller pages or fewer nested lists",
                            extensions={"code": "QUERY_TOO_COSTLY"},
                        )
                    ],
                )
        yield

    def get_results(self) -> dict[str, Any]:
        if self.cost is None:
            return {}
        return {"cost": {"requested": self.cost, "maximum": self.maximum}}
