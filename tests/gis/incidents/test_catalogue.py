"""The service catalogue: categories found by code or name, unknown ones refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from gis.errors import InvalidInput
from gis.incidents.catalogue import DEFAULT_CATALOGUE, Catalogue, Category

HAZARD = Category("hazard", "安全隐患", "Safety hazard", "safety", 24, 50, 72, ("隐患",))
DISPUTE = Category("dispute", "矛盾纠纷", "Dispute", "mediation", 72, 30, 168)
CATALOGUE = Catalogue([HAZARD, DISPUTE])

ROW = (
    "- code: noise\n  zh: 噪音扰民\n  en: Noise\n  group: environment\n  sla_hours: 48\n"
    "  duplicate_radius_m: 30\n  duplicate_window_hours: 24\n"
)


@pytest.mark.parametrize("wanted", ["hazard", "安全隐患", "Safety hazard", "  安全隐患 "])
def test_category_is_found_by_code_chinese_or_english_name(wanted: str) -> None:
    assert CATALOGUE.find(wanted) is HAZARD


def test_indexing_finds_like_find() -> None:
    assert CATALOGUE["矛盾纠纷"] is DISPUTE


def test_iteration_gives_the_categories_in_order() -> None:
    assert list(CATALOGUE) == [HAZARD, DISPUTE]


@pytest.mark.parametrize("wanted", ["fire", "Hazard", "隐患", ""])
def test_unknown_category_is_refused_listing_the_valid_ones(wanted: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        CATALOGUE.find(wanted)
    assert caught.value.detail == (
        f"category: unknown category {wanted!r}; valid: hazard (安全隐患), dispute (矛盾纠纷)"
    )


def test_refusal_names_the_field_it_was_given() -> None:
    with pytest.raises(InvalidInput, match=r"^service_code: unknown category"):
        CATALOGUE.find("fire", field="service_code")


def test_load_reads_every_field_and_keywords_as_a_tuple(tmp_path: Path) -> None:
    path = tmp_path / "services.yaml"
    path.write_text(ROW + "  keywords: [噪音, 广场舞]\n", encoding="utf-8")
    (noise,) = Catalogue.load(path)
    assert noise == Category(
        "noise", "噪音扰民", "Noise", "environment", 48, 30, 24, ("噪音", "广场舞")
    )


def test_load_without_keywords_gives_an_empty_tuple(tmp_path: Path) -> None:
    path = tmp_path / "services.yaml"
    path.write_text(ROW, encoding="utf-8")
    assert Catalogue.load(path)["noise"].keywords == ()


def test_default_catalogue_loads_with_unique_codes_and_names() -> None:
    categories = list(Catalogue.load(DEFAULT_CATALOGUE))
    assert categories
    for attribute in ("code", "zh", "en"):
        values = [getattr(c, attribute) for c in categories]
        assert len(set(values)) == len(values), attribute


@pytest.mark.parametrize(
    "text",
    [
        "- code: [unclosed\n",  # not YAML
        "",  # empty
        "code: hazard\nzh: 安全隐患\n",  # a mapping, not a list
        "- hazard\n- dispute\n",  # a list of strings
        "- code: noise\n  zh: 噪音扰民\n",  # fields missing
        ROW + "  colour: red\n",  # an unknown field
        ROW + "  keywords: 5\n",  # keywords not a list
    ],
    ids=["syntax", "empty", "mapping", "strings", "missing", "unknown", "keywords"],
)
def test_load_of_a_bad_catalogue_raises_invalid_input(tmp_path: Path, text: str) -> None:
    path = tmp_path / "services.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"^catalogue: cannot read .*services\.yaml"):
        Catalogue.load(path)


def test_load_of_a_missing_file_raises_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="catalogue: cannot read"):
        Catalogue.load(tmp_path / "nowhere.yaml")


def test_load_of_a_directory_raises_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="catalogue: cannot read"):
        Catalogue.load(tmp_path)


def test_load_of_a_gbk_file_raises_invalid_input(tmp_path: Path) -> None:
    path = tmp_path / "services.yaml"
    path.write_bytes(ROW.encode("gbk"))
    with pytest.raises(InvalidInput, match="catalogue: cannot read"):
        Catalogue.load(path)
