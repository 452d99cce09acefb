"""The supplier's subdivisions: city and district branches for electricity, one for natural gas."""

from __future__ import annotations

import enum

from sqlalchemy import Enum, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from vez.models.base import Base


class Service(str, enum.Enum):
    electricity = "electricity"
    gas = "gas"

    @property
    def first_digits(self) -> tuple[str, ...]:
        """Account numbers of this service start with one of these digits (the guide)."""
        return ("5", "3", "4") if self is Service.electricity else ("9",)

    @property
    def unit(self) -> str:
        return "kWh" if self is Service.electricity else "m3"


class BranchKind(str, enum.Enum):
    city = "city"
    district = "district"
    gas = "gas"


def service_enum() -> Enum:
    return Enum(Service, name="service", native_enum=False, length=16, validate_strings=True)


class Subdivision(Base):
    __tablename__ = "subdivisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name_uk: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    service: Mapped[Service] = mapped_column(service_enum())
    kind: Mapped[BranchKind] = mapped_column(
        Enum(BranchKind, name="branch_kind", native_enum=False, length=16, validate_strings=True)
    )
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_uk

    def __repr__(self) -> str:
        return f"<Subdivision {self.code} {self.name_uk}>"
