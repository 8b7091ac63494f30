"""Passwords: the complexity rule, argon2 hashes, rehash detection (no store)."""

import pytest

from gis.errors import InvalidInput
from gis.identity.passwords import check_password, hash_password, needs_rehash, verify_password

GOOD = "Grid-map-2026"


@pytest.mark.parametrize(
    "password", [GOOD, "gridmap2026!x", "GRIDMAP-2026-X", "网格化Grid-2026", "Abcdefghijk1"]
)
def test_issue12_good_passwords_pass(password: str) -> None:
    assert check_password(password, login="wang") == password


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Gm-2026-ab", "at least 12 characters"),
        ("", "at least 12 characters"),
        ("gridmapgridmap", "mix at least 3"),
        ("gridmap20262026", "mix at least 3"),
        ("GRIDMAP-GRIDMAP", "mix at least 3"),
        ("Wang.Li-2026-x", "must not contain the login"),
    ],
)
def test_issue12_weak_passwords_refused_naming_the_field(password: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=f"^password: {reason}") as refused:
        check_password(password, login="wang.li")
    assert password not in refused.value.detail or password == ""


def test_issue12_hash_is_argon2id_salted_and_verifies() -> None:
    first, second = hash_password(GOOD), hash_password(GOOD)
    assert first.startswith("$argon2id$") and first != second
    assert GOOD not in first
    assert verify_password(GOOD, first) and verify_password(GOOD, second)


@pytest.mark.parametrize("wrong", ["grid-map-2026", GOOD + " ", ""])
def test_issue12_wrong_password_does_not_verify(wrong: str) -> None:
    assert not verify_password(wrong, hash_password(GOOD))


def test_issue12_a_malformed_hash_never_verifies() -> None:
    assert not verify_password(GOOD, "")
    assert not verify_password(GOOD, "$2b$12$notanargonhash")


def test_issue12_weaker_parameters_need_a_rehash() -> None:
    from pwdlib.hashers.argon2 import Argon2Hasher

    weak = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1).hash(GOOD)
    assert verify_password(GOOD, weak)
    assert needs_rehash(weak)
    assert not needs_rehash(hash_password(GOOD))
