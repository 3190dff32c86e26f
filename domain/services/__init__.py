"""Use cases of the fund: one unit of work each (load, call the model, persist, post).

Entry points (GraphQL, CLI, the demo loader) call these and nothing below
them. Every use case names its actor; a role that may not act is refused with
``FORBIDDEN`` before anything is read, and an institution acts only on its
own loans and claims. Money-moving use cases take an idempotency key: a replay
with the same payload returns the first result, another payload is refused.
"""
