"""API tokens: random text, its stored hash, lifetimes (no store)."""

import hashlib
from datetime import timedelta

import pytest

from gis.errors import InvalidInput
from gis.identity.tokens import new_token, parse_expiry, token_hash


def test_issue12_new_token_is_prefixed_random_and_hashed() -> None:
    made = [new_token() for _ in range(50)]
    assert len({plain for plain, _ in made}) == 50
    for plain, stored in made:
        assert plain.startswith("gm_") and len(plain) >= 46
        assert stored == hashlib.sha256(plain.encode()).hexdigest() == token_hash(plain)
        assert plain not in stored


def test_issue12_token_hash_tells_tokens_apart() -> None:
    assert token_hash("gm_a") != token_hash("gm_b")
    assert len(token_hash("gm_a")) == 64


@pytest.mark.parametrize(
    ("text", "lifetime"),
    [
        ("90d", timedelta(days=90)),
        ("12h", timedelta(hours=12)),
        ("30m", timedelta(minutes=30)),
        ("1d", timedelta(days=1)),
        (" 365d ", timedelta(days=365)),
    ],
)
def test_issue12_expiry_parsed(text: str, lifetime: timedelta) -> None:
    assert parse_expiry(text) == lifetime


@pytest.mark.parametrize(
    "text", ["", "90", "d", "0d", "-1d", "1y", "1.5h", "90D", "1d2h", "999999d"]
)
def test_issue12_bad_expiry_refused_naming_the_option(text: str) -> None:
    with pytest.raises(InvalidInput, match="^expires: "):
        parse_expiry(text)
