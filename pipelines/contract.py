"""The input contract: one YAML file per source in schemas/contract, loaded into typed specs.

The loader is driven by these specs alone; no second copy of the columns lives in code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from pipelines.errors import ContractError
from pipelines.settings import PROJECT_ROOT

CONTRACT_DIR = PROJECT_ROOT / "schemas" / "contract"
FIELD_TYPES = {
    "string", "text", "text_list", "timestamp", "email", "phone", "ip", "cidr", "domain",
    "country", "int", "float", "bool", "enum", "bin", "last4", "entity_ref",
}
DEFAULT_MAX_LENGTH = {"string": 128, "text": 1000, "text_list": 4000}
FALLBACK_MAX_LENGTH = 320


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool
    meaning: str
    example: str
    values: tuple[str, ...] = ()
    max_length: int = FALLBACK_MAX_LENGTH
    minimum: float | None = None
    maximum: float | None = None
    separator: str = "|"


@dataclass(frozen=True)
class SourceContract:
    source: str
    description: str
    required: bool
    primary_key: tuple[str, ...]
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)
    large: bool = False

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)


def _field(name: str, spec: dict, path: Path) -> FieldSpec:
    kind = spec.get("type")
    if kind not in FIELD_TYPES:
        raise ContractError(f"{path.name}: field {name} has unknown type {kind!r}")
    for key in ("meaning", "example"):
        if key not in spec:
            raise ContractError(f"{path.name}: field {name} lacks '{key}'")
    return FieldSpec(
        name=name,
        type=kind,
        required=bool(spec.get("required", False)),
        meaning=str(spec["meaning"]),
        example=str(spec["example"]),
        values=tuple(spec.get("values", ())),
        max_length=int(spec.get("max_length", DEFAULT_MAX_LENGTH.get(kind, FALLBACK_MAX_LENGTH))),
        minimum=spec.get("min"),
        maximum=spec.get("max"),
        separator=str(spec.get("separator", "|")),
    )


def load_contract(path: Path) -> SourceContract:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    fields = tuple(_field(n, s, path) for n, s in raw["fields"].items())
    contract = SourceContract(
        source=raw["source"],
        description=str(raw.get("description", "")).strip(),
        required=bool(raw.get("required", True)),
        primary_key=tuple(raw.get("primary_key", ())),
        fields=fields,
        large=bool(raw.get("large", False)),
    )
    unknown_keys = set(contract.primary_key) - set(contract.columns)
    if unknown_keys:
        raise ContractError(f"{path.name}: primary key names unknown fields {sorted(unknown_keys)}")
    return contract


@cache
def load_contracts(directory: Path = CONTRACT_DIR) -> dict[str, SourceContract]:
    """Every source's contract, keyed by source name."""
    contracts = [load_contract(p) for p in sorted(directory.glob("*.yaml"))]
    return {c.source: c for c in contracts}
