"""The layering contract names every domain package, so a new one cannot slip past it."""

import pkgutil
import tomllib
from pathlib import Path

import gis

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
NOT_DOMAIN = {"gis.db", "gis.usecases"}


def contract(name: str) -> dict:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    [found] = [c for c in config["tool"]["importlinter"]["contracts"] if c["name"] == name]
    return found


def test_every_domain_package_is_in_the_contract() -> None:
    listed = set(contract("the domain never imports the store or the use cases")["source_modules"])
    present = {f"gis.{m.name}" for m in pkgutil.iter_modules(gis.__path__)} - NOT_DOMAIN
    assert listed == present
