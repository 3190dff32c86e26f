"""Bearer JWTs: minted for development by ``riskpool token``, verified on every request.

The algorithm is fixed on our side (HS256 with the configured secret): the
token's own ``alg`` header is never trusted, which closes the ``alg: none`` and
key-confusion attacks. Issuer, audience and expiry are required and checked.
A token names one role of the fund's workflow; an institution token also
names its institution, and every query it makes is scoped to that institution.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from riskpool.domain.parties import Role
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


def verify(settings: TokenSettings, token: str) -> Principal:
    """Decode and check a token; any defect is ``UNAUTHENTICATED``."""
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
        raise RiskpoolError(ErrorCode.UNAUTHENTICATED, f"invalid token: {exc}") from None
    institution = claims.get("institution_id")
    if role is Role.INSTITUTION:
        if not isinstance(institution, int) or isinstance(institution, bool):
            raise RiskpoolError(ErrorCode.UNAUTHENTICATED, "institution token without institution")
    elif institution is not None:
        raise RiskpoolError(ErrorCode.UNAUTHENTICATED, "unexpected institution claim")
    return Principal(subject=str(claims["sub"]), role=role, institution_id=institution)
