"""ORM models of the store (GeoAlchemy2). The schema itself is created by Alembic migrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, DateTime, Identity, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

STORAGE_SRID = 4326


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
