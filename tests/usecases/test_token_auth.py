"""Issue 12: a bearer token stands for its user and grants, until it expires or is revoked."""

import pytest
from sqlalchemy import text

from gis.errors import Unauthenticated
from gis.identity.roles import Grant
from gis.usecases import identity
from gis.usecases.runtime import Runtime
from tests.usecases.test_identity import ACTOR, add, areas  # noqa: F401 (the fixture)

REFUSED = "token: not valid (unknown, expired or revoked)"


def token(rt: Runtime, login: str = "wang") -> tuple[str, int]:
    made = identity.create_token(rt, ACTOR, login=login, name="ci", expires="90d")
    return made.text, made.token.id


def last_used(rt: Runtime, token_id: int) -> object:
    with rt.read() as conn:
        query = text("SELECT last_used_at FROM api_tokens WHERE id = :id")
        return conn.execute(query, {"id": token_id}).scalar_one()


def test_issue12_a_token_stands_for_its_user_and_grants(areas: Runtime) -> None:  # noqa: F811
    add(areas, scopes=["110108010019", "110108010020"])
    plain, token_id = token(areas)
    assert last_used(areas, token_id) is None
    found = identity.authenticate_token(areas, plain)
    assert found.login == "wang" and found.token_id == token_id
    assert found.grants == (Grant("planner", "110108010019"), Grant("planner", "110108010020"))
    first = last_used(areas, token_id)
    assert first is not None
    identity.authenticate_token(areas, plain)
    assert last_used(areas, token_id) == first  # moved at most once a minute


@pytest.mark.parametrize("case", ["unknown", "revoked", "expired", "disabled", "tampered"])
def test_issue12_a_dead_token_is_refused_the_same_way(areas: Runtime, case: str) -> None:  # noqa: F811
    add(areas)
    plain, token_id = token(areas)
    if case == "unknown":
        plain = "gm_" + "x" * 43
    elif case == "tampered":
        plain = plain[:-1] + ("A" if plain[-1] != "A" else "B")
    elif case == "revoked":
        identity.revoke_token(areas, ACTOR, token_id=token_id)
    elif case == "expired":
        with areas.write() as conn:
            conn.execute(
                text("UPDATE api_tokens SET expires_at = now() - interval '1 s' WHERE id = :id"),
                {"id": token_id},
            )
    elif case == "disabled":
        identity.set_enabled(areas, ACTOR, login="wang", enabled=False)
    with pytest.raises(Unauthenticated) as refused:
        identity.authenticate_token(areas, plain)
    assert refused.value.detail == REFUSED
    assert last_used(areas, token_id) is None
