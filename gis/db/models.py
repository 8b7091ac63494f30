"""ORM models of the store (GeoAlchemy2). The schema itself is created by Alembic migrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gis.crs import STORAGE_SRID


class Base(DeclarativeBase):
    """Declarative base of gridmap's tables."""


class Area(Base):
    """One version of one area at any level; current versions have ``valid_to`` NULL."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    level: Mapped[str] = mapped_column(String(12), nullable=False)
    code: Mapped[str] = mapped_column(String(15), nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    parent_code: Mapped[str | None] = mapped_column(String(12))
    geom: Mapped[Any] = mapped_column(
        Geometry("MULTIPOLYGON", srid=STORAGE_SRID, spatial_index=True), nullable=False
    )
    households: Mapped[int | None] = mapped_column(Integer)
    population: Mapped[int | None] = mapped_column(Integer)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    valid_from: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Plan(Base):
    """A redraw proposal for the areas of one scope (a community's grids, say)."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    scope_code: Mapped[str] = mapped_column(String(12), nullable=False)
    level: Mapped[str] = mapped_column(String(12), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, server_default="draft")
    base_version: Mapped[str] = mapped_column(Text, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    override_reason: Mapped[str | None] = mapped_column(Text)
    check_summary: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class PlanArea(Base):
    """One area of a plan (a draft: geometry may be invalid until checked)."""

    __tablename__ = "plan_areas"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("plans.id", ondelete="CASCADE"), nullable=False
    )
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    geom: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON", srid=STORAGE_SRID))
    households: Mapped[int | None] = mapped_column(Integer)
    population: Mapped[int | None] = mapped_column(Integer)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")


class Address(Base):
    """A standard address (一标三实): normalised text → point, building, households."""

    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    address: Mapped[str] = mapped_column(Text, nullable=False)
    normalized: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=STORAGE_SRID), nullable=False)
    building: Mapped[str | None] = mapped_column(Text)
    households: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, nullable=False, server_default="import")
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")


class Incident(Base):
    """A reported problem or hazard, located into a grid, through the closed loop."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    category: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=STORAGE_SRID))
    input_crs: Mapped[str | None] = mapped_column(Text)
    input_x: Mapped[float | None] = mapped_column(Float)
    input_y: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(Text)
    address_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("addresses.id"))
    location_method: Mapped[str] = mapped_column(Text, nullable=False, server_default="none")
    match_score: Mapped[float | None] = mapped_column(Float)
    grid_code: Mapped[str | None] = mapped_column(String(15))
    intake_grid_code: Mapped[str | None] = mapped_column(String(15))
    grid_area_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("areas.id"))
    status: Mapped[str] = mapped_column(Text, nullable=False)
    severity: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="3")
    reporter_name: Mapped[str | None] = mapped_column(Text)
    reporter_phone: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text, nullable=False)
    assignee: Mapped[str | None] = mapped_column(Text)
    assignee_person: Mapped[int | None] = mapped_column(BigInteger, index=True)
    assignee_department: Mapped[str | None] = mapped_column(Text)
    escalation_level: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="0")
    reported_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    feedback_satisfied: Mapped[bool | None] = mapped_column(Boolean)
    feedback_score: Mapped[int | None] = mapped_column(SmallInteger)
    possible_duplicate: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default="false"
    )
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")


class IdempotencyKey(Base):
    """A client's idempotency key, the fingerprint of its first report and the incident made.

    Unique per (scope, client, key); see `gis.incidents.keys`. ``fingerprint`` is NULL for keys
    stored before fingerprints were (migration 0007): those match any report.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        CheckConstraint("scope IN ('import', 'native', 'open311')", name="ck_idempotency_scope"),
    )

    scope: Mapped[str] = mapped_column(Text, primary_key=True)
    client: Mapped[str] = mapped_column(Text, primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    fingerprint: Mapped[str | None] = mapped_column(Text)
    incident_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class IncidentEvent(Base):
    """One step of an incident's log: who, when, from-status → to-status, note."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
    )
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    from_status: Mapped[str | None] = mapped_column(Text)
    to_status: Mapped[str] = mapped_column(Text, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, server_default="")


class IncidentLink(Base):
    """A possible (or confirmed) duplicate link between two incidents."""

    __tablename__ = "incident_links"

    incident_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    other_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(Text, nullable=False, server_default="possible_duplicate")
    distance_m: Mapped[float | None] = mapped_column(Float)


class Station(Base):
    """A station of the 15-minute living circle (type from the station types catalogue)."""

    __tablename__ = "stations"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    type: Mapped[str] = mapped_column(Text, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=STORAGE_SRID), nullable=False)
    opening_hours: Mapped[str | None] = mapped_column(Text)
    capacity: Mapped[int | None] = mapped_column(Integer)
    grid_code: Mapped[str | None] = mapped_column(String(15))
    outside_grid: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    source_id: Mapped[str | None] = mapped_column(Text, unique=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class WalkNetworkRow(Base):
    """A loaded walking network; one is current (the one isochrones use)."""

    __tablename__ = "walk_networks"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    version: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    node_count: Mapped[int] = mapped_column(Integer, nullable=False)
    edge_count: Mapped[int] = mapped_column(Integer, nullable=False)
    is_current: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    loaded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class WalkEdge(Base):
    """One straight edge of a walking network (``u``, ``v`` are OSM node ids)."""

    __tablename__ = "walk_edges"

    network_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("walk_networks.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    u: Mapped[int] = mapped_column(BigInteger, nullable=False)
    v: Mapped[int] = mapped_column(BigInteger, nullable=False)
    length_m: Mapped[float] = mapped_column(Float, nullable=False)
    geom: Mapped[Any] = mapped_column(
        Geometry("LINESTRING", srid=STORAGE_SRID, spatial_index=False), nullable=False
    )

    __table_args__ = (Index("ix_walk_edges_geom", "geom", postgresql_using="gist"),)


class StationIsochrone(Base):
    """A cached walking isochrone of one station, per network version, speed, minutes, buffer."""

    __tablename__ = "station_isochrones"

    station_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True
    )
    network_version: Mapped[str] = mapped_column(Text, primary_key=True)
    speed_kmh: Mapped[float] = mapped_column(Float, primary_key=True)
    minutes: Mapped[float] = mapped_column(Float, primary_key=True)
    buffer_m: Mapped[float] = mapped_column(Float, primary_key=True)
    geom: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON", srid=STORAGE_SRID), nullable=False)
    computed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


_ROLES = (
    "'admin', 'auditor', 'planner', 'dispatcher', 'handler', 'grid_worker', 'viewer', 'client', "
    "'drafter'"  # migration 0014
)


class User(Base):
    """A person who signs in; ``login`` is unique whatever its case."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "login ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'", name="ck_users_login_format"
        ),
        Index("ix_users_login_lower", text("lower(login)"), unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    login: Mapped[str] = mapped_column(Text, nullable=False)
    display_name: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    password_changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    totp_secret: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class UserGrant(Base):
    """A role a user holds on a scope (an area code; NULL only for the unscoped roles)."""

    __tablename__ = "user_grants"
    __table_args__ = (
        CheckConstraint(f"role IN ({_ROLES})", name="ck_user_grants_role"),
        CheckConstraint(
            "(scope IS NULL) = (role IN ('admin', 'auditor'))", name="ck_user_grants_scope"
        ),
        UniqueConstraint(
            "user_id", "role", "scope", name="uq_user_grants", postgresql_nulls_not_distinct=True
        ),
    )

    # no primary key in the table: the ORM needs one, the unique triple serves
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(Text, primary_key=True)
    scope: Mapped[str | None] = mapped_column(String(15), primary_key=True, nullable=True)


class ApiToken(Base):
    """A token of a user for scripts and integrators, stored as its SHA-256 only."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(Text, nullable=False)
    token_hash: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Session(Base):
    """A browser session, stored as the SHA-256 of its cookie, with its CSRF token."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    csrf: Mapped[str] = mapped_column(Text, nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    last_seen_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    """One audit record; the table refuses UPDATE, DELETE and TRUNCATE (0008; archive: 0009)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint("result IN ('ok', 'refused', 'failed')", name="ck_audit_log_result"),
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_principal_at", "principal", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    principal: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    object: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str] = mapped_column(Text, nullable=False)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")


class PersonRow(Base):
    """One version of a person of the roster (``person_key`` names the person across versions).

    Never overwritten in place nor deleted (migration 0010): a change retires the version.
    """

    __tablename__ = "people"
    __table_args__ = (
        Index("ix_people_current", "person_key", unique=True, postgresql_where="valid_to IS NULL"),
        Index(
            "ix_people_login_current",
            text("lower(login)"),
            unique=True,
            postgresql_where="valid_to IS NULL AND login IS NOT NULL",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    person_key: Mapped[int] = mapped_column(BigInteger, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    phone: Mapped[str | None] = mapped_column(Text)
    login: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(Text)
    party_member: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    valid_from: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DutyRow(Base):
    """A person's post on an area (a grid's 网格长, 专职网格员 …), versioned like ``people``."""

    __tablename__ = "duties"
    __table_args__ = (
        CheckConstraint(
            "duty IN ('grid_leader', 'full_time', 'part_time', 'seconded', 'volunteer', "
            "'community_secretary', 'community_director', 'street_dispatcher')",
            name="ck_duties_duty",
        ),
        CheckConstraint(
            "(duty = 'seconded') = (department IS NOT NULL)", name="ck_duties_department"
        ),
        Index(
            "ix_duties_current",
            "person_key",
            "duty",
            "area_code",
            unique=True,
            postgresql_where="valid_to IS NULL",
        ),
        Index("ix_duties_area_current", "area_code", postgresql_where="valid_to IS NULL"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    person_key: Mapped[int] = mapped_column(BigInteger, nullable=False)
    duty: Mapped[str] = mapped_column(Text, nullable=False)
    area_code: Mapped[str] = mapped_column(String(15), nullable=False)
    department: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PlanStep(Base):
    """A snapshot of a draft's areas on its undo or redo stack (migration 0013)."""

    __tablename__ = "plan_steps"
    __table_args__ = (
        CheckConstraint("stack IN ('undo', 'redo')", name="ck_plan_steps_stack"),
        Index("ix_plan_steps_plan_stack", "plan_id", "stack", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("plans.id", ondelete="CASCADE"), nullable=False
    )
    stack: Mapped[str] = mapped_column(Text, nullable=False)
    op: Mapped[str] = mapped_column(Text, nullable=False)
    areas: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class PlanNote(Base):
    """What was said about a plan: a note, or a review step's (migration 0014)."""

    __tablename__ = "plan_notes"
    __table_args__ = (
        CheckConstraint("char_length(text) <= 2000", name="ck_plan_notes_text_length"),
        CheckConstraint(
            "kind IN ('note', 'submitted', 'returned', 'published')", name="ck_plan_notes_kind"
        ),
        CheckConstraint(
            "text <> '' OR kind IN ('submitted', 'published')", name="ck_plan_notes_text_said"
        ),
        Index("ix_plan_notes_plan", "plan_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("plans.id", ondelete="CASCADE"), nullable=False
    )
    author: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    text: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    kind: Mapped[str] = mapped_column(Text, nullable=False, server_default="note")
