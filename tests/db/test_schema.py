"""Database constraints of ``areas``: the store itself refuses bad rows (real PostGIS)."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from gis.db.engine import server_versions

INSERT = text(
    "INSERT INTO areas (level, code, name, parent_code, geom) "
    "VALUES (:level, :code, :name, :parent, ST_GeomFromText(:wkt, 4326))"
)
BOX = "MULTIPOLYGON(((116.34 39.99, 116.36 39.99, 116.36 40.01, 116.34 40.01, 116.34 39.99)))"


def add(conn: Connection, level: str, code: str, parent: str | None = None, wkt: str = BOX) -> None:
    conn.execute(INSERT, {"level": level, "code": code, "name": code, "parent": parent, "wkt": wkt})


def chain(conn: Connection) -> None:
    add(conn, "district", "110108")
    add(conn, "subdistrict", "110108010", "110108")
    add(conn, "community", "110108010019", "110108010")


def test_postgis_is_there(conn: Connection) -> None:
    versions = server_versions(conn)
    assert versions["postgresql"].startswith("15") or versions["postgresql"] >= "15"
    assert versions["postgis"].startswith("3.")


def test_a_full_chain_is_accepted(conn: Connection) -> None:
    chain(conn)
    add(conn, "grid", "110108010019001", "110108010019")
    assert conn.execute(text("SELECT count(*) FROM areas WHERE valid_to IS NULL")).scalar() == 4


@pytest.mark.parametrize(
    ("level", "code"),
    [("district", "1101080"), ("grid", "110108010019"), ("community", "11010801001X")],
)
def test_code_format_per_level(conn: Connection, level: str, code: str) -> None:
    with pytest.raises(IntegrityError, match="ck_areas_code_format"):
        add(conn, level, code)


def test_parent_must_exist(conn: Connection) -> None:
    add(conn, "district", "110108")
    with pytest.raises(IntegrityError, match="has no current parent subdistrict 110108010"):
        add(conn, "community", "110108010019", "110108010")


def test_parent_must_be_one_level_up(conn: Connection) -> None:
    add(conn, "district", "110108")
    # a grid whose 12-digit prefix names a district-level row is refused by the prefix rule
    with pytest.raises(IntegrityError, match="ck_areas_parent_prefix"):
        add(conn, "grid", "110108010019001", "110108")


def test_invalid_geometry_refused(conn: Connection) -> None:
    bow_tie = (
        "MULTIPOLYGON(((116.34 39.99, 116.36 40.01, 116.36 39.99, 116.34 40.01, 116.34 39.99)))"
    )
    with pytest.raises(IntegrityError, match="ck_areas_geom_valid"):
        add(conn, "district", "110108", wkt=bow_tie)


def test_empty_geometry_refused(conn: Connection) -> None:
    with pytest.raises(IntegrityError, match="ck_areas_geom_valid"):
        add(conn, "district", "110108", wkt="MULTIPOLYGON EMPTY")


def test_geometry_type_and_srid_enforced(conn: Connection) -> None:
    with pytest.raises(DBAPIError):
        add(conn, "district", "110108", wkt="POINT(116.3 39.9)")


def test_no_overwrite_in_place(conn: Connection) -> None:
    add(conn, "district", "110108")
    with pytest.raises(DBAPIError, match="never overwritten in place"):
        conn.execute(text("UPDATE areas SET name = '改名' WHERE code = '110108'"))


def test_retiring_is_the_only_update(conn: Connection) -> None:
    add(conn, "district", "110108")
    conn.execute(
        text("UPDATE areas SET valid_to = now() + interval '1 second' WHERE code = '110108'")
    )
    with pytest.raises(DBAPIError, match="is retired and cannot change"):
        conn.execute(
            text("UPDATE areas SET valid_to = now() + interval '2 second' WHERE code = '110108'")
        )


def test_two_current_versions_of_one_code_refused(conn: Connection) -> None:
    add(conn, "district", "110108")
    with pytest.raises(IntegrityError):
        add(conn, "district", "110108")


def test_overlapping_validity_periods_refused(conn: Connection) -> None:
    add(conn, "district", "110108")
    conn.execute(text("UPDATE areas SET valid_to = now() + interval '1 day' WHERE code = '110108'"))
    with pytest.raises(IntegrityError, match="ex_areas_one_version_at_a_time"):
        add(conn, "district", "110108")  # valid_from = now() overlaps [now, now + 1 day)


def test_spatial_index_is_used_for_bbox_queries(conn: Connection) -> None:
    conn.execute(text("SET LOCAL enable_seqscan = off"))
    plan = (
        conn.execute(
            text(
                "EXPLAIN SELECT code FROM areas WHERE geom && ST_MakeEnvelope(116, 39, 117, 40, 4326)"
            )
        )
        .scalars()
        .all()
    )
    assert any("ix_areas_geom" in line for line in plan)


def test_links_pointing_at_an_incident_are_found_by_index(conn: Connection) -> None:
    conn.execute(text("SET LOCAL enable_seqscan = off"))
    query = "EXPLAIN SELECT incident_id FROM incident_links WHERE other_id = 7"
    plan = conn.execute(text(query)).scalars().all()
    assert any("ix_incident_links_other" in line for line in plan)


def test_valid_from_defaults_to_transaction_time(conn: Connection) -> None:
    add(conn, "district", "110108")
    valid_from = conn.execute(text("SELECT valid_from FROM areas")).scalar_one()
    assert abs((datetime.now(UTC) - valid_from).total_seconds()) < 60
