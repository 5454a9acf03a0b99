"""Table Schemas in schemas/ are the single source of truth for every published table.

Code asks this module for field names, types and constraints; it never lists columns itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .paths import SCHEMAS_DIR

# Money is exact: every Table Schema `number` is stored as a DECIMAL with this precision.
MONEY_PRECISION, MONEY_SCALE = 18, 2
MONEY_SQL_TYPE = f"DECIMAL({MONEY_PRECISION},{MONEY_SCALE})"

_SQL_TYPES = {
    "string": "VARCHAR",
    "date": "DATE",
    "number": MONEY_SQL_TYPE,
    "integer": "BIGINT",
    "boolean": "BOOLEAN",
    "year": "INTEGER",
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    title: str
    description: str
    constraints: dict[str, Any]

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required"))

    @property
    def sql_type(self) -> str:
        return _SQL_TYPES[self.type]


@dataclass(frozen=True)
class TableSchema:
    name: str
    descriptor: dict[str, Any]
    fields: tuple[Field, ...]

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def primary_key(self) -> list[str]:
        pk = self.descriptor.get("primaryKey", [])
        return [pk] if isinstance(pk, str) else list(pk)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def create_table_sql(self, table: str) -> str:
        cols = ",\n  ".join(f'"{f.name}" {f.sql_type}' for f in self.fields)
        return f'create table "{table}" (\n  {cols}\n)'

    def frictionless_descriptor(self) -> dict[str, Any]:
        """The schema as published inside datapackage.json (without the JSON-Schema pointer)."""
        return {k: v for k, v in self.descriptor.items() if k != "$schema"}


@lru_cache(maxsize=None)
def load_schema(name: str) -> TableSchema:
    path = SCHEMAS_DIR / f"{name}.schema.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    fields = tuple(
        Field(
            name=f["name"],
            type=f.get("type", "string"),
            title=f.get("title", f["name"]),
            description=f.get("description", ""),
            constraints=f.get("constraints", {}),
        )
        for f in descriptor["fields"]
    )
    return TableSchema(name=name, descriptor=descriptor, fields=fields)


def dataset_names() -> list[str]:
    """Datasets a profile may target: every canonical table schema shipped in schemas/."""
    names = []
    for p in sorted(SCHEMAS_DIR.glob("*.schema.json")):
        descriptor = json.loads(p.read_text(encoding="utf-8"))
        # profiles, policies, standards we export to and marts are not tables a profile fills
        if "fields" in descriptor and descriptor.get("spendpub", {}).get("role", "canonical") == "canonical":
            names.append(p.name.removesuffix(".schema.json"))
    return names
