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
TEXT_TYPES = {"text", "text_list"}
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


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
    # Free text (names, addresses, user agents) is searched for card numbers, which are
    # redacted in place; identifiers (ids, fingerprints) are never searched inside.
    free_text: bool = False
    # An enum whose list the source system may extend (a classifier's labels): an unknown value
    # loads as this one, with the raw label kept in the row's issues and counted.
    open_as: str | None = None


@dataclass(frozen=True)
class FileRules:
    """Whole-file rules, checked before any row is trusted (the ``file:`` block of a contract).

    ``delimiter`` "auto" takes whichever of , ; tab | splits the header into the most contract
    columns. A required source whose usable rows fall below ``min_usable_share`` of the rows read
    fails, and so does one without any row unless it ``allow_empty`` (a provider without registry
    data still resolves its accounts); any source whose loaded rows fall by more than
    ``max_shrink_share`` against the last good run fails its check, unless an operator confirms
    the shrink (so an export emptied after a good run is caught either way)."""

    encoding: str = "utf-8"
    delimiter: str = "auto"
    min_usable_share: float = 0.5
    max_shrink_share: float = 0.2
    allow_empty: bool = False


@dataclass(frozen=True)
class SourceContract:
    source: str
    description: str
    required: bool
    primary_key: tuple[str, ...]
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)
    large: bool = False
    file: FileRules = field(default_factory=FileRules)

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def required_columns(self) -> list[str]:
        return [f.name for f in self.fields if f.required]

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)


def _field(name: str, spec: dict, path: Path) -> FieldSpec:
    kind = spec.get("type")
    if kind not in FIELD_TYPES:
        raise ContractError(f"{path.name}: field {name} has unknown type {kind!r}")
    for key in ("meaning", "example"):
        if key not in spec:
            raise ContractError(f"{path.name}: field {name} lacks '{key}'")
    if kind in TEXT_TYPES and not isinstance(spec.get("free_text"), bool):
        raise ContractError(f"{path.name}: text field {name} must say `free_text: true` (names, "
                            "addresses: searched for card numbers) or `free_text: false` (an "
                            "identifier, never searched inside)")
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
        free_text=bool(spec.get("free_text", False)),
        open_as=spec.get("open_as"),
    )


def _file_rules(raw: dict, path: Path) -> FileRules:
    unknown = set(raw) - set(FileRules.__dataclass_fields__)
    if unknown:
        raise ContractError(f"{path.name}: unknown keys under file: {sorted(unknown)}")
    rules = FileRules(**raw)
    if rules.delimiter != "auto" and rules.delimiter not in DELIMITERS:
        raise ContractError(f"{path.name}: file.delimiter must be auto or one of "
                            f"{', '.join(map(repr, DELIMITERS))}")
    try:
        "".encode(rules.encoding)
    except LookupError as exc:
        raise ContractError(f"{path.name}: unknown file.encoding {rules.encoding!r}") from exc
    for name in ("min_usable_share", "max_shrink_share"):
        if not 0 <= getattr(rules, name) <= 1:
            raise ContractError(f"{path.name}: file.{name} must be a share between 0 and 1")
    return rules


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
        file=_file_rules(raw.get("file") or {}, path),
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
