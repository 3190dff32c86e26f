"""Bearer JWTs: minted for development by ``riskpool token``, verified on every request.

The algorithm is fixed on our side (HS256 with the configured secret): the
token's own ``alg`` header is never trusted, which closes the ``alg: none`` and
key-confusion attacks. Issuer, audience and expiry are required and checked,
and an institution token is refused unless its institution exists. Every
failure is the same ``UNAUTHENTICATED`` to the client; the reason is logged.
A token names one role of the fund's workflow; an institution token also
names its institution, and every query it makes is scoped to that institution.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from riskpool.domain.model.parties import Role
from riskpool.errors import ErrorCode, RiskpoolError

ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: the token's subject, role and (for institutions) institution id."""

    subject: str
    role: Role
    institution_id: int | None = None

    @property
    def read_only(self) -> bool:
        return self.role is Role.VIEWER


@dataclass(frozen=True, slots=True)
class TokenSettings:
    secret: str
    issuer: str
    audience: str


def mint(
    settings: TokenSettings,
    *,
    subject: str,
    role: Role,
    institution_id: int | None = None,
    ttl: timedelta = timedelta(hours=8),
    now: datetime | None = None,
) -> str:
    if role is Role.INSTITUTION and institution_id is None:
        raise RiskpoolError(ErrorCode.VALIDATION, "an institution token needs --institution")
    if role is not Role.INSTITUTION and institution_id is not None:
        raise RiskpoolError(ErrorCode.VALIDATION, "only institution tokens name an institution")
    issued = now or datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": subject,
        "role": role.value,
        "iss": settings.issuer,
        "aud": settings.audience,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl,
    }
    if institution_id is not None:
        claims["institution_id"] = institution_id
    return jwt.encode(claims, settings.secret, algorithm=ALGORITHM)


class InvalidToken(RiskpoolError):
    """A token that does not authenticate. ``reason`` is for the server's log only:
    the client always hears the same ``UNAUTHENTICATED``, so failures are no oracle."""

    def __init__(self, reason: str) -> None:
        super().__init__(ErrorCode.UNAUTHENTICATED, "invalid or expired token")
        self.reason = reason


MAX_ID = 2**63 - 1
"""Ids are BIGINT: a claim beyond this names nothing and must not reach a query."""


def verify(settings: TokenSettings, token: str) -> Principal:
    """Decode and check a token; any defect is :class:`InvalidToken` (``UNAUTHENTICATED``)."""
    try:
        claims = jwt.decode(
            token,
            settings.secret,
            algorithms=[ALGORITHM],
            issuer=settings.issuer,
            audience=settings.audience,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
        role = Role(str(claims["role"]).upper())
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise InvalidToken(f"{type(exc).__name__}: {exc}") from None
    institution = claims.get("institution_id")
    if role is Role.INSTITUTION:
        if (
            not isinstance(institution, int)
            or isinstance(institution, bool)
            or not 1 <= institution <= MAX_ID
        ):
            raise InvalidToken("institution token without a valid institution id")
    elif institution is not None:
        raise InvalidToken("unexpected institution claim")
    return Principal(subject=str(claims["sub"]), role=role, institution_id=institution)


InstitutionExists = Callable[[int], Awaitable[bool]]
"""Asks the application whether an institution id exists (injected by the app)."""


class Authenticator:
    """Turns an ``Authorization`` header into a :class:`Principal`, or refuses it.

    A signature proves who minted the token, not that its institution exists: a
    token for a deleted id, or minted with a typo, must not act. Existence is
    asked of the application through ``institution_exists`` (the API layer has
    no SQL); ids found are remembered, since institutions are never deleted,
    while unknown ids are asked again (one may be registered meanwhile).
    """

    KNOWN_LIMIT = 10_000
    """At most this many known ids are remembered (the fund has about fifteen)."""

    def __init__(self, settings: TokenSettings, institution_exists: InstitutionExists) -> None:
        self.settings = settings
        self.institution_exists = institution_exists
        self._known: set[int] = set()

    def decode(self, header: str) -> Principal:
        """The principal of a ``Bearer`` header, checked offline (signature, claims)."""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidToken("authorization is not 'Bearer <token>'")
        return verify(self.settings, token.strip())

    async def authenticate(self, header: str) -> Principal:
        """:meth:`decode`, then refuse an institution token whose institution does not exist."""
        principal = self.decode(header)
        institution = principal.institution_id
        if institution is not None and institution not in self._known:
            if not await self.institution_exists(institution):
                raise InvalidToken(f"institution #{institution} does not exist")
            if len(self._known) < self.KNOWN_LIMIT:
                self._known.add(institution)
        return principal
