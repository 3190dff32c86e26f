"""Cross-cutting pieces of the API: scalars, errors, pagination, limits, context."""
