"""The parse and validation cache, bounded in bytes, shared by the requests of one schema.

Why not strawberry's ``ParserCache``/``ValidationCache``: they are LRU caches
of 256 *entries*, so 256 different 20 MB documents stay in memory (a probe
grew the server from 411 MB to 945 MB with 15 of them), and the validation
cache keeps a reference to every document it saw even after the parser cache
dropped it. Here one LRU holds, per document text, the parsed document and its
validation errors, and evicts by their estimated memory: :data:`AST_WEIGHT`
bytes per byte of text. Measured with tracemalloc on graphql-core 3.3, a dense
document (``{ books { code code … } }``) costs 123 bytes of AST per byte of
text, 3,000 tokens (the token limit, enforced by the parser) about 1.8 MB;
long names cost less per byte (4). So the estimate errs on the safe side and
the budget (``document_cache_bytes``) bounds what the cache can hold.

Validation runs with ``hide_suggestions`` in production, so "Did you mean
'books'?" never tells a client the names of fields it did not ask for.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError, parse, validate
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule


@dataclass(frozen=True, slots=True)
class CachedDocument:
    document: DocumentNode
    errors: tuple[GraphQLError, ...] | None = None
    """Validation errors, once validated (``None``: parsed only)."""


AST_WEIGHT = 128
"""Estimated bytes of memory (AST, tokens, errors) per byte of document text."""


class DocumentCache:
    """An LRU of parsed and validated documents whose estimated memory is at most
    ``max_bytes`` (``weight`` bytes per byte of text)."""

    def __init__(self, max_bytes: int, *, weight: int = AST_WEIGHT) -> None:
        self.max_bytes = max_bytes
        self.weight = weight
        self._entries: OrderedDict[str, CachedDocument] = OrderedDict()
        self._sizes: dict[str, int] = {}
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, text: str) -> CachedDocument | None:
        found = self._entries.get(text)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self._entries.move_to_end(text)
        return found

    def put(self, text: str, entry: CachedDocument) -> None:
        size = len(text.encode()) * self.weight
        if size > self.max_bytes:
            return
        if text in self._entries:
            self.bytes -= self._sizes[text]
        self._entries[text] = entry
        self._entries.move_to_end(text)
        self._sizes[text] = size
        self.bytes += size
        while self.bytes > self.max_bytes:
            evicted, _ = self._entries.popitem(last=False)
            self.bytes -= self._sizes.pop(evicted)


class CachedDocuments(SchemaExtension):
    """Parse and validate through a :class:`DocumentCache` (pass it as a factory)."""

    def __init__(self, cache: DocumentCache, *, hide_suggestions: bool) -> None:
        self.cache = cache
        self.hide_suggestions = hide_suggestions
        self._found: CachedDocument | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        if query is not None:
            self._found = self.cache.get(query)
            if self._found is not None:
                context.graphql_document = self._found.document
            else:
                context.graphql_document = parse(query, **context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document, query = context.graphql_document, context.query
        if self._found is not None and self._found.errors is not None:
            context.pre_execution_errors = list(self._found.errors)
        elif document is not None and query is not None:
            errors = validate(
                context.schema._schema,
                document,
                (*context.validation_rules, MaybeNullValidationRule, OneOfInputValidationRule),
                hide_suggestions=self.hide_suggestions,
            )
            context.pre_execution_errors = errors
            self.cache.put(query, CachedDocument(document, tuple(errors)))
        yield
