"""``gridmap users totp``: a new TOTP secret, its otpauth:// URI, and its audit row."""

import pyotp
from sqlalchemy import Engine, text

from gis.identity.settings import AuthSettings
from gis.settings import StoreSettings
from gis.usecases import identity
from gis.usecases.runtime import running
from tests.cli.test_users_cli import (  # noqa: F401 (the fixture)
    OS_USER,
    PASSWORD,
    add_wang,
    audit_rows,
    gridmap,
    last_id,
    store,
)


def stored_secret(store: Engine) -> str | None:  # noqa: F811
    with store.connect() as conn:
        return conn.execute(text("SELECT totp_secret FROM users")).scalar_one()


def test_issue12_users_totp_prints_the_uri_of_a_new_secret(store: Engine) -> None:  # noqa: F811
    assert add_wang().exit_code == 0
    first = last_id(store)
    result = gridmap("users", "totp", "wang")
    assert result.exit_code == 0, result.output
    uri = result.stdout.strip()
    parsed = pyotp.parse_uri(uri)
    assert uri.startswith("otpauth://totp/gridmap:wang?") and parsed.issuer == "gridmap"
    assert stored_secret(store) == parsed.secret
    [row] = audit_rows(store, first)
    assert (row["principal"], row["action"], row["object"], row["result"]) == (
        OS_USER,
        "users.totp",
        "user:wang",
        "ok",
    )
    assert parsed.secret not in str(row)
    again = gridmap("users", "totp", "wang").stdout.strip()
    assert pyotp.parse_uri(again).secret == stored_secret(store) != parsed.secret


def test_issue12_the_secret_is_then_needed_to_sign_in(
    store: Engine,  # noqa: F811
    cli_env: StoreSettings,
) -> None:
    assert add_wang().exit_code == 0
    secret = pyotp.parse_uri(gridmap("users", "totp", "wang").stdout.strip()).secret
    with running(cli_env, pool_size=1) as rt:
        found = identity.login(
            rt,
            login="wang",
            password=PASSWORD,
            totp=pyotp.TOTP(secret).now(),
            source="test",
            settings=AuthSettings(),
        )
    assert found.login == "wang"


def test_issue12_users_totp_of_an_unknown_login_is_refused(store: Engine) -> None:  # noqa: F811
    first = last_id(store)
    result = gridmap("users", "totp", "nobody")
    assert result.exit_code != 0
    assert "no user 'nobody'" in result.output
    [row] = audit_rows(store, first)
    assert (row["action"], row["result"]) == ("users.totp", "refused")
