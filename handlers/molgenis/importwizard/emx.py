"""Reading an EMX archive (a zip of CSV/TSV sheets) into packages, entity types and data rows, as the server's
`EmxMetadataParser` (molgenis-data-import, 10.2.4) reads it for the import wizard.

Sheets: `packages` (name, parent, label, description), `entities` (name, package, label, description, abstract,
backend), `attributes` (one row per attribute: entity, name, dataType, refEntity, idAttribute TRUE/FALSE/AUTO,
nillable, enumOptions, rangeMin/rangeMax, lookupAttribute, labelAttribute, readOnly, aggregateable, visible, unique,
partOfAttribute, expression, validationExpression, defaultValue, label, description), and one data sheet per entity
type, named by its id. Column names are case-insensitive; empty cells are null. Excel workbooks are not read (the
mock's import wizard takes zipped CSV/TSV only: docs/molgenis-deltas.md).
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from apitwin_apis.molgenis.model import Attribute, EntityType, Package

DATA_TYPES = {
    "string": "STRING", "text": "TEXT", "html": "HTML", "script": "SCRIPT", "email": "EMAIL",
    "hyperlink": "HYPERLINK", "enum": "ENUM", "int": "INT", "long": "LONG", "decimal": "DECIMAL", "bool": "BOOL",
    "date": "DATE", "datetime": "DATE_TIME", "xref": "XREF", "mref": "MREF", "categorical": "CATEGORICAL",
    "categorical_mref": "CATEGORICAL_MREF", "categoricalmref": "CATEGORICAL_MREF", "compound": "COMPOUND",
    "file": "FILE", "one_to_many": "ONE_TO_MANY", "onetomany": "ONE_TO_MANY",
}
META_SHEETS = ("packages", "entities", "attributes")
SEPARATORS = {".csv": ",", ".tsv": "\t"}


class EmxProblem(ValueError):
    """An archive the importer refuses; the message is what the import run reports (status FAILED)."""


@dataclass
class Emx:
    packages: list[Package] = field(default_factory=list)
    entity_types: list[EntityType] = field(default_factory=list)
    data: dict[str, list[dict[str, Any]]] = field(default_factory=dict)   # sheet name -> rows (strings or None)


def read_sheets(content: bytes) -> dict[str, list[dict[str, Any]]]:
    """Sheet name -> rows of a zip of CSV/TSV files; macOS resource forks (`__MACOSX/`, `._*`) are skipped."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as error:
        raise EmxProblem(f"Not a valid EMX archive: {error}") from None
    sheets: dict[str, list[dict[str, Any]]] = {}
    for info in archive.infolist():
        base = info.filename.rsplit("/", 1)[-1]
        if info.is_dir() or info.filename.startswith("__MACOSX/") or base.startswith("."):
            continue
        stem, dot, extension = base.rpartition(".")
        separator = SEPARATORS.get(dot + extension.lower())
        if separator is None:
            raise EmxProblem(f"Unsupported file in archive: '{base}' (only .csv and .tsv sheets)")
        text = archive.read(info).decode("utf-8-sig", errors="replace")
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
        header = next(reader, None)
        if header is None:
            continue
        names = [column.strip() for column in header]
        rows = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            rows.append({name: (cells[i] if i < len(cells) and cells[i] != "" else None)
                         for i, name in enumerate(names) if name})
        sheets[stem] = rows
    return sheets


def _lower(row: dict[str, Any]) -> dict[str, Any]:
    return {key.lower(): value for key, value in row.items()}


def _bool(value: Any, column: str, sheet: str, row: int) -> bool:
    text = str(value).strip().lower()
    if text not in ("true", "false"):
        raise EmxProblem(f"Invalid value '{value}' for '{column}' in sheet '{sheet}' row {row}: "
                         "expected 'TRUE' or 'FALSE'")
    return text == "true"


def _range(value: Any, name: str, column: str, row: int) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise EmxProblem(f"Invalid range {column} '{value}' for attribute '{name}' in sheet 'attributes' "
                         f"row {row}") from None


def _attribute(raw: dict[str, Any], number: int) -> tuple[Attribute, str | None, str | None]:
    """An attribute and (its id flag: 'true'/'auto'/None, its compound parent)."""
    name = raw.get("name")
    if not name:
        raise EmxProblem(f"Missing name of attribute in sheet 'attributes' row {number}")
    type_name = (raw.get("datatype") or ("xref" if raw.get("refentity") else "string")).strip().lower()
    kind = DATA_TYPES.get(type_name)
    if kind is None:
        raise EmxProblem(f"Unknown data type '{raw.get('datatype')}' of attribute '{name}' in sheet 'attributes' "
                         f"row {number}")
    attribute = Attribute(name=name, type=kind, label=raw.get("label"), description=raw.get("description"),
                          ref_entity=raw.get("refentity"), expression=raw.get("expression"),
                          validation_expression=raw.get("validationexpression"), default=raw.get("defaultvalue"))
    visible = raw.get("visible")
    if visible is not None:
        if visible.strip().lower() in ("true", "false"):
            attribute.visible = visible.strip().lower() == "true"
        else:
            attribute.visible_expression = visible
    nillable = raw.get("nillable")
    if nillable is not None:
        if nillable.strip().lower() in ("true", "false") and attribute.visible_expression is None:
            attribute.nillable = nillable.strip().lower() == "true"
        else:                                     # as the server: a visible expression turns it into an expression
            attribute.nullable_expression = nillable
    for column, flag in (("readonly", "read_only"), ("aggregateable", "aggregatable"), ("unique", "unique"),
                         ("auto", "auto"), ("lookupattribute", "lookup_attribute"),
                         ("labelattribute", "label_attribute")):
        if raw.get(column) is not None:
            setattr(attribute, flag, _bool(raw[column], column, "attributes", number))
    if kind == "ENUM":
        options = [option.strip() for option in (raw.get("enumoptions") or "").split(",") if option.strip()]
        if not options:
            raise EmxProblem(f"Missing enum options value for attribute '{name}' of entity "
                             f"'{raw.get('entity')}' in sheet 'attributes' row {number}")
        attribute.enum_options = options
    if kind in ("XREF", "MREF", "CATEGORICAL", "CATEGORICAL_MREF", "ONE_TO_MANY") and not attribute.ref_entity:
        raise EmxProblem(f"Missing refEntity value for attribute '{name}' of entity '{raw.get('entity')}' "
                         f"in sheet 'attributes' row {number}")
    attribute.range_min = _range(raw.get("rangemin"), name, "rangeMin", number)
    attribute.range_max = _range(raw.get("rangemax"), name, "rangeMax", number)
    id_flag = (raw.get("idattribute") or "false").strip().lower()
    if id_flag not in ("true", "false", "auto"):
        raise EmxProblem(f"Invalid value '{raw.get('idattribute')}' for 'idAttribute' in sheet 'attributes' "
                         f"row {number}: expected 'TRUE', 'FALSE' or 'AUTO'")
    if id_flag == "auto":
        attribute.auto = True
    return attribute, (id_flag if id_flag != "false" else None), raw.get("partofattribute")


def _finish(entity_type: EntityType) -> None:
    """The id attribute is read-only, unique and required; without a label attribute the (visible) id attribute is
    the label; without lookup attributes the id and label attributes are (postProcessMetadata)."""
    atomic = entity_type.atomic_attributes()
    id_attribute = next((a for a in atomic if a.id_attribute), None)
    if id_attribute is None:
        raise EmxProblem(f"Entity type '{entity_type.id}' has no idAttribute")
    id_attribute.read_only, id_attribute.unique, id_attribute.nillable = True, True, False
    if not any(a.label_attribute for a in atomic):
        if id_attribute.visible:
            id_attribute.label_attribute = True
        else:
            first = next((a for a in atomic if not a.nillable and a.visible and not a.is_reference), None)
            if first is not None:
                first.label_attribute = True
    if not any(a.lookup_attribute for a in atomic):
        for attribute in atomic:
            if attribute.id_attribute or attribute.label_attribute:
                attribute.lookup_attribute = True


def parse(sheets: dict[str, list[dict[str, Any]]]) -> Emx:
    """The metadata and data of an archive's sheets (`read_sheets`)."""
    emx = Emx()
    package_rows = [_lower(row) for row in sheets.get("packages", [])]
    for number, row in enumerate(package_rows, 1):
        name, parent = row.get("name"), row.get("parent")
        if not name:
            raise EmxProblem(f"Missing name of package in sheet 'packages' row {number}")
        simple = name[len(parent) + 1:] if parent and name.startswith(parent + "_") else name
        emx.packages.append(Package(id=name, label=row.get("label") or simple, description=row.get("description"),
                                    parent=parent))
    types: dict[str, EntityType] = {}
    for number, row in enumerate((_lower(r) for r in sheets.get("entities", [])), 1):
        name, package = row.get("name"), row.get("package")
        if not name:
            raise EmxProblem(f"Missing name of entity in sheet 'entities' row {number}")
        type_id = f"{package}_{name}" if package else name
        types[type_id] = EntityType(id=type_id, label=row.get("label") or name, description=row.get("description"),
                                    package=package,
                                    abstract=bool(row.get("abstract")) and _bool(row["abstract"], "abstract",
                                                                                 "entities", number))
    compounds: dict[tuple[str, str], Attribute] = {}
    pending_children: list[tuple[str, Attribute, str, int]] = []
    for number, row in enumerate((_lower(r) for r in sheets.get("attributes", [])), 1):
        type_id = row.get("entity")
        if not type_id:
            raise EmxProblem(f"Missing entity of attribute in sheet 'attributes' row {number}")
        entity_type = types.setdefault(type_id, EntityType(id=type_id, label=type_id))
        attribute, id_flag, parent = _attribute(row, number)
        attribute.id_attribute = id_flag is not None
        if attribute.type == "COMPOUND":
            compounds[(type_id, attribute.name)] = attribute
        if parent:
            pending_children.append((type_id, attribute, parent, number))
        else:
            entity_type.attributes.append(attribute)
    for type_id, attribute, parent, number in pending_children:
        compound = compounds.get((type_id, parent))
        if compound is None:
            raise EmxProblem(f"Unknown partOfAttribute '{parent}' of attribute '{attribute.name}' in sheet "
                             f"'attributes' row {number}")
        compound.children.append(attribute)
    for entity_type in types.values():
        if entity_type.attributes:
            _finish(entity_type)
    emx.entity_types = [t for t in types.values() if t.attributes]
    emx.data = {name: rows for name, rows in sheets.items() if name.lower() not in META_SHEETS}
    return emx
