"""Issue 11, item 3: idempotency keys scoped per source and client, fingerprints of reports."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from gis.errors import InvalidInput
from gis.incidents.catalogue import Catalogue
from gis.incidents.keys import (
    ANONYMOUS,
    CLI,
    IdempotencyKey,
    client_of,
    fingerprint,
    import_key,
    request_key,
)
from gis.incidents.report import IncidentReport, parse_report

REPORT = IncidentReport(
    category="hazard",
    description="电线裸露",
    lon=116.3553,
    lat=40.0073,
    reporter_name="张三",
    reported_at=datetime(2026, 1, 5, tzinfo=UTC),
    attributes={"floor": 3, "photos": ["a.jpg"]},
)


def test_item3_a_request_key_is_scoped_to_its_source_and_client() -> None:
    assert request_key("k", scope="open311", client="api_key:ab") == IdempotencyKey(
        "open311", "api_key:ab", "k"
    )


def test_item3_a_request_without_a_client_is_anonymous() -> None:
    assert request_key("k", scope="native", client=None) == IdempotencyKey("native", ANONYMOUS, "k")


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_item3_no_key_means_no_idempotency(blank: str | None) -> None:
    assert request_key(blank, scope="native", client="c") is None


def test_item3_a_long_key_is_refused_naming_the_header() -> None:
    with pytest.raises(InvalidInput, match=r"^Idempotency-Key: 201 characters; at most 200$"):
        request_key("k" * 201, scope="native", client=None)


def test_item3_a_long_client_is_refused_naming_its_field() -> None:
    with pytest.raises(InvalidInput, match=r"^X-Client-Id: 201 characters"):
        client_of("c" * 201, "X-Client-Id")


def test_item3_a_secret_client_is_kept_only_as_a_hash() -> None:
    client = client_of("open-sesame", "api_key", secret=True)
    assert client is not None and "open-sesame" not in client
    assert client == client_of(" open-sesame ", "api_key", secret=True)
    assert client != client_of("open-sesame2", "api_key", secret=True)


def test_item3_import_keys_are_the_files_content_hash_and_the_row() -> None:
    assert import_key("d" * 64, 12) == IdempotencyKey("import", CLI, "d" * 64 + ":12")
    assert import_key("d" * 64, 12) != import_key("e" * 64, 12)


def test_item3_equal_reports_have_equal_fingerprints() -> None:
    same = replace(REPORT, attributes={"photos": ["a.jpg"], "floor": 3})
    assert fingerprint(same) == fingerprint(REPORT)


def test_item3_the_fingerprint_is_of_the_parsed_report_not_its_spelling() -> None:
    catalogue = Catalogue.load()
    by_code = {"category": "hazard", "lon": "116.3553", "lat": 40.0073, "reported_at": None}
    by_name = {**by_code, "category": "安全隐患", "lon": 116.3553, "description": None}
    assert fingerprint(parse_report(by_code, catalogue)) == fingerprint(
        parse_report(by_name, catalogue)
    )


def test_item3_the_same_instant_in_another_zone_is_the_same_report() -> None:
    beijing = datetime(2026, 1, 5, 8, tzinfo=timezone(timedelta(hours=8)))
    assert fingerprint(replace(REPORT, reported_at=beijing)) == fingerprint(REPORT)
    later = replace(REPORT, reported_at=beijing + timedelta(seconds=1))
    assert fingerprint(later) != fingerprint(REPORT)


@pytest.mark.parametrize(
    "change",
    [
        {"description": "电线裸露!"},
        {"lon": 116.3554},
        {"reporter_name": "李四"},
        {"severity": 4},
        {"source": "hotline"},
        {"reported_at": None},
        {"attributes": {"floor": 4, "photos": ["a.jpg"]}},
    ],
    ids=lambda change: next(iter(change)),
)
def test_item3_any_change_to_the_report_changes_the_fingerprint(change: dict) -> None:
    assert fingerprint(replace(REPORT, **change)) != fingerprint(REPORT)


def test_item3_a_fingerprint_is_a_sha256() -> None:
    assert len(fingerprint(REPORT)) == 64 and int(fingerprint(REPORT), 16) >= 0
