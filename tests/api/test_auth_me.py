"""Issue 12: a bearer token over HTTP — who it stands for, and one 401 for anything else."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from gis.settings import StoreSettings
from gis.usecases import identity
from gis.usecases.runtime import Runtime
from tests.usecases.test_identity import ACTOR, add, areas  # noqa: F401 (the fixture)


@pytest.fixture
def client(store_settings: StoreSettings, areas: Runtime) -> Iterator[TestClient]:  # noqa: F811
    with TestClient(create_app(store_settings)) as test_client:
        yield test_client


@pytest.fixture
def plain(areas: Runtime) -> str:  # noqa: F811
    add(areas, scopes=["110108010019"])
    return identity.create_token(areas, ACTOR, login="wang", name="ci").text


def test_issue12_a_bearer_token_says_who_it_is(client: TestClient, plain: str) -> None:
    response = client.get("/auth/me", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "login": "wang",
        "grants": [{"role": "planner", "scope": "110108010019"}],
    }


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Basic d2FuZzp4", "Bearer a b", "Token gm_x"],
)
def test_issue12_no_usable_bearer_header_is_a_401(client: TestClient, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = client.get("/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {
        "detail": "Authorization: expected 'Bearer <token>'",
        "code": "BearerRequired",
    }


def test_issue12_a_dead_token_is_a_401_that_does_not_say_why(
    client: TestClient,
    plain: str,
    areas: Runtime,  # noqa: F811
) -> None:
    [listed] = identity.list_tokens(areas, login="wang")
    identity.revoke_token(areas, ACTOR, token_id=listed.id)
    for token in (plain, "gm_" + "x" * 43):
        response = client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
        assert response.json() == {
            "detail": "token: not valid (unknown, expired or revoked)",
            "code": "Unauthenticated",
        }
