"""Password hashing with argon2id. The cost parameters come from the environment
(CRM_ARGON2_TIME_COST, CRM_ARGON2_MEMORY_KIB, CRM_ARGON2_PARALLELISM) with argon2-cffi's
RFC 9106 "low memory" defaults; tests may lower them to run fast. A hash made with other
parameters still verifies and is re-hashed at the next login."""

from __future__ import annotations

import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
COMMON_RANK = 10_000  # refused: the 10,000 most common passwords (zxcvbn's ranked list)


def _hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=int(os.environ.get("CRM_ARGON2_TIME_COST", "3")),
        memory_cost=int(os.environ.get("CRM_ARGON2_MEMORY_KIB", "65536")),
        parallelism=int(os.environ.get("CRM_ARGON2_PARALLELISM", "4")),
    )


_HASHER = _hasher()
# A hash to verify against when the user does not exist, so timing does not tell.
_DUMMY = _HASHER.hash("not-a-real-password")


def _common_passwords() -> dict[str, int]:
    from zxcvbn.matching import RANKED_DICTIONARIES

    return RANKED_DICTIONARIES["passwords"]


def password_problems(password: str) -> list[str]:
    """Why a new password is refused: empty when it is acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"must be at least {MIN_LENGTH} characters long")
    rank = _common_passwords().get(password.lower())
    if rank is not None and rank <= COMMON_RANK:
        problems.append("is one of the most common passwords; choose another")
    return problems


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)
