"""Parsers of the ANCT open data: State-funded posts (FONJEP, adultes-relais) and contract points.

Two document kinds, both recognised from their content, never from the file name:

- ``KIND_POSTS``: a JSON list of objects, one per funded post and year, carrying ``id_poste`` and
  ``montant`` (ANCT Dauphin extracts ``postes-fonjep-YYYY.json`` and ``adulte-relais-YYYY.json``);
- ``KIND_CONTRACTS``: a GeoJSON FeatureCollection of points whose properties carry ``code_cv`` and
  ``codgeo`` (the two generations of contrats de ville: ``CVnnn`` and ``CNdddnnX``, see seed ref_contract_generations).

What this module decides, and why:

- ``source_line`` is the 1-based index of the record in the JSON list (of the feature in
  ``features``), not a text line: the files are one long line, and the record index is what
  points back to the record. ``source_text`` is the record re-serialised as compact JSON. An issue
  with a ``source_line`` carries the ``source_text`` of that record; file-wide issues (damaged JSON,
  duplicates, unknown fields) have none and name the records in their message.
- The dispositif of a post is read from the shape of its ``id_poste`` (FONJEP ``D01688``, one or two
  letters then digits, six characters; adultes-relais ``00112R000102``, twelve characters with the
  ``R`` of "relais" after the département and year digits). Rows whose id has neither shape take
  the dispositif of the other rows of the file when those all agree; otherwise the dispositif is
  NULL and an issue says so. The parser never sees the file name, by design.
- The files drift from year to year (fields dropped, added, reordered; ``annee`` as int or text;
  ``montant`` as int, float or text). Fields are looked up by name; a known field whose name
  changed only in case or accents is still recognised; unknown fields are kept in ``extra_json``
  and listed in one warning per file. A record missing a required field (``id_poste``,
  ``montant``, ``annee``) is kept with NULLs and an issue.
- Amounts are ``Decimal`` quantized to the cent; the amount as written stays in ``amount_text``.
- Issues about single records are listed for the first ``ROW_ISSUE_CAP`` records of each rule,
  then summed up in one issue: a drifted file of 300 000 records gives a readable issue list.
- Nothing here raises on bad content: invalid or truncated JSON keeps the records before the
  damage and reports an error with the position of the damage.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any, NamedTuple, cast

from ingest.records import ParseResult
from ingest.reference import contract_generations, generation_of, seed_rows
from ingest.rows import AnctContractRow, AnctPostRow

KIND_POSTS = "anct_postes"
KIND_CONTRACTS = "anct_contrats_geo"
TABLE_POSTS = "anct_posts"
TABLE_CONTRACTS = "anct_contracts"

FONJEP = "FONJEP_PV"
ADULTES_RELAIS = "ADULTES_RELAIS"

POST_FIELDS = (
    "id_poste",
    "code_tiers",
    "raison_sociale",
    "annee",
    "montant",
    "code_cv",
    "insee_dep",
    "insee_reg",
)
REQUIRED_POST_FIELDS = ("id_poste", "montant", "annee")
CONTRACT_FIELDS = ("code_cv", "lib_cv", "codgeo", "insee_dep", "pop")

# Detection reads only the start of a document: enough for a few records, cheap on a 100 MB file.
DETECT_HEAD_CHARS = 16384
DETECT_SAMPLE_RECORDS = 5
ROW_ISSUE_CAP = 20
# Examples quoted in a summary issue (record indexes, codes, ids).
EXAMPLES = 5
# Years outside this range are taken as unreadable, not as years.
YEAR_RANGE = (1900, 2100)

_CENT = Decimal("0.01")
_WHITESPACE = " \t\r\n\ufeff"


def _compact_encoder() -> Callable[[Any], str]:
    """``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``, built once for the whole run.

    json.dumps builds an encoder for every call, a third of the parse time of a post file. The C
    encoder is built here once, without circular-reference markers: every value comes from
    ``json.loads`` and cannot hold a cycle. Falls back to the pure-Python encoder when the C one is
    not there.
    """
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    chunks = make(None, encoder.default, json.encoder.encode_basestring, None, ":", ",", False, False, True)
    join = "".join
    return lambda value: join(chunks(value, 0))


_dumps = _compact_encoder()


def _fold_key(key: str) -> str:
    """A field name without case, accents or separators: ``Année`` and ``annee`` are the same field."""
    decomposed = unicodedata.normalize("NFKD", key)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower().strip()
    return bare.replace(" ", "_").replace("-", "_")


@cache
def known_contract_codes() -> frozenset[str]:
    return frozenset(row["contract_code"] for row in seed_rows("ref_contracts") if row.get("contract_code"))


class _Issues:
    """Issues of one document; record-level ones are capped per rule and summed up at the end."""

    def __init__(self, result: ParseResult) -> None:
        self.result = result
        self.counts: Counter[str] = Counter()
        self.severity: dict[str, str] = {}
        self.what: dict[str, str] = {}

    def record(self, line: int, severity: str, rule: str, message: str, source_text: str, what: str) -> None:
        self.counts[rule] += 1
        if self.counts[rule] <= ROW_ISSUE_CAP:
            self.result.issue(line, severity, rule, message, source_text)
        else:
            self.severity[rule] = severity
            self.what[rule] = what

    def flush(self) -> None:
        for rule, count in self.counts.items():
            if count > ROW_ISSUE_CAP:
                self.result.issue(
                    None,
                    self.severity[rule],
                    rule,
                    f"{count} records in all: {self.what[rule]} (only the first {ROW_ISSUE_CAP} are listed)",
                )


# --- reading the JSON ------------------------------------------------------------------------------


def _error_position(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"text line {line}, column {column} (character {pos + 1})"


def _salvage_array(text: str, start: int) -> tuple[list[Any], int, str]:
    """The items of the JSON array opening at ``text[start]`` that decode, up to the first damage.

    Returns the items, the position of the damage and what was wrong there.
    """
    decoder = json.JSONDecoder()
    items: list[Any] = []
    pos = start + 1
    length = len(text)
    while True:
        while pos < length and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= length:
            return items, pos, "the text ends before the list is closed (truncated file?)"
        if text[pos] == "]" and not items:
            return items, pos, ""
        try:
            item, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            return items, exc.pos, exc.msg
        except (ValueError, RecursionError) as exc:
            return items, pos, str(exc)
        items.append(item)
        while pos < length and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= length:
            return items, pos, "the text ends before the list is closed (truncated file?)"
        if text[pos] == "]":
            return items, pos, ""
        if text[pos] != ",":
            return items, pos, "expected ',' or ']' between records"
        pos += 1


def _load(text: str, result: ParseResult, array_key: str | None) -> Any:
    """The decoded document, or what could be saved of its list of records when it is damaged.

    ``array_key`` names the key holding the records in an object (``features``), None for a list.
    """
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # ValueError: JSONDecodeError, or a 5000-digit number
        pos = getattr(exc, "pos", 0)
        message = getattr(exc, "msg", str(exc))
    stripped = len(text) - len(text.lstrip(_WHITESPACE))
    start = -1
    if array_key is None:
        if text.startswith("[", stripped):
            start = stripped
    elif text.startswith("{", stripped):
        key_at = text.find(f'"{array_key}"', stripped)
        if key_at >= 0:
            start = text.find("[", key_at)
    if start < 0:
        where = _error_position(text, pos)
        result.issue(
            None,
            "error",
            "invalid_json",
            f"the document is not valid JSON ({message} at {where}): nothing loaded",
            text[max(0, pos - 100) : pos + 100],
        )
        return None
    items, bad_at, problem = _salvage_array(text, start)
    result.issue(
        None,
        "error",
        "invalid_json",
        f"the JSON is damaged at {_error_position(text, bad_at)}, in record {len(items) + 1} "
        f"({problem or message}): the {len(items)} records before it are kept, the rest is lost",
        text[max(0, bad_at - 100) : bad_at + 100],
    )
    if array_key is None:
        return items
    return {array_key: items}


def _records(value: Any, result: ParseResult, what: str, array_key: str | None) -> list[Any]:
    """The list of records of a decoded document; anything else becomes an issue, never an exception."""
    if value is None:
        return []
    if array_key is None and isinstance(value, list):
        return value
    if isinstance(value, dict):
        if array_key is not None and isinstance(value.get(array_key), list):
            return list(value[array_key])
        # A wrapper object around the records ({"data": [...]}) is the likeliest drift.
        lists = [
            (key, item)
            for key, item in value.items()
            if isinstance(item, list) and item and all(isinstance(x, dict) for x in item[:10])
        ]
        if len(lists) == 1:
            key, items = lists[0]
            result.issue(
                None,
                "warning",
                "wrapped_records",
                f"the document is an object, not a list: its {len(items)} {what} are read from key {key!r}",
            )
            return items
        if array_key is None and any(_fold_key(str(k)) in ("id_poste", "montant") for k in value):
            result.issue(
                None,
                "warning",
                "single_record",
                "the document is one object, not a list: read as a list of one record",
            )
            return [value]
    if array_key is not None and isinstance(value, list):
        result.issue(
            None,
            "warning",
            "bare_feature_list",
            f"the document is a list, not a FeatureCollection: its {len(value)} items are read as features",
        )
        return value
    expected = "a list of records" if array_key is None else f"an object with a {array_key!r} list"
    result.issue(
        None,
        "error",
        "unexpected_json_shape",
        f"the document is a JSON {type(value).__name__}, expected {expected}: nothing loaded",
        _dumps(value)[:500],
    )
    return []


# --- detection -------------------------------------------------------------------------------------


def _head(text: str) -> str:
    return text[:DETECT_HEAD_CHARS].lstrip(_WHITESPACE)


def _sample_objects(head: str, start: int) -> list[dict[str, Any]]:
    """The first few objects of the array opening at ``head[start]`` that fit in the head."""
    decoder = json.JSONDecoder()
    found: list[dict[str, Any]] = []
    pos = start + 1
    while len(found) < DETECT_SAMPLE_RECORDS:
        while pos < len(head) and head[pos] in _WHITESPACE + ",":
            pos += 1
        if pos >= len(head) or head[pos] != "{":
            break
        try:
            item, pos = decoder.raw_decode(head, pos)
        except (ValueError, RecursionError):
            break
        found.append(item)
    return found


def detect_posts(text: str) -> float:
    """How much the text looks like an ANCT list of posts (0..1): a JSON list of objects with
    ``id_poste`` and ``montant``. Reads the first few KB only."""
    head = _head(text)
    if head.startswith("["):
        if not head[1:].lstrip(_WHITESPACE).startswith("{"):
            return 0.0
        sample = _sample_objects(head, 0)
        if sample:
            keys = {_fold_key(str(key)) for obj in sample for key in obj}
        else:
            # The first record is longer than the head: fall back to the field names in it.
            keys = {name for name in POST_FIELDS if f'"{name}"' in head}
    elif head.startswith("{") and "FeatureCollection" not in head:
        # One object instead of a list: still posts if it has their fields (parse says what is wrong).
        keys = {name for name in POST_FIELDS if f'"{name}"' in head}
        return 0.6 if {"id_poste", "montant"} <= keys else 0.0
    else:
        return 0.0
    if {"id_poste", "montant"} <= keys:
        return 1.0
    if ("id_poste" in keys or "montant" in keys) and len(keys & set(POST_FIELDS)) >= 3:
        return 0.7
    return 0.0


def detect_contracts(text: str) -> float:
    """How much the text looks like an ANCT contract list (0..1): a GeoJSON FeatureCollection whose
    features' properties carry ``code_cv`` and ``codgeo``. Reads the first few KB only."""
    head = _head(text)
    if not head.startswith("{") or "FeatureCollection" not in head:
        return 0.0
    keys: set[str] = set()
    features_at = head.find('"features"')
    start = head.find("[", features_at) if features_at >= 0 else -1
    if start >= 0:
        for feature in _sample_objects(head, start):
            properties = feature.get("properties")
            if isinstance(properties, dict):
                keys.update(_fold_key(str(key)) for key in properties)
    if not keys:
        # A first feature longer than the head (a big polygon): fall back to the names in the head.
        keys = {name for name in CONTRACT_FIELDS if f'"{name}"' in head}
    if {"code_cv", "codgeo"} <= keys:
        return 1.0
    if "code_cv" in keys:
        return 0.7
    return 0.0


# --- values ----------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A scalar field as text; JSON null stays None, numbers keep their JSON spelling."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return _dumps(value)


def parse_amount(value: Any) -> tuple[Decimal | None, str | None, str]:
    """(amount to the cent, amount as written, problem or ""). Accepts 7164, 19875.06, "7164,5",
    "7 164,50 €", "7.164,50"."""
    if value is None:
        return None, None, "no montant"
    if isinstance(value, bool):
        return None, _text(value), "montant is a boolean"
    if isinstance(value, int):
        written = str(value)
        number = Decimal(value)
    elif isinstance(value, float):
        written = repr(value)
        if not math.isfinite(value):
            return None, written, "montant is not a finite number"
        number = Decimal(written)
    elif isinstance(value, str):
        written = value
        cleaned = "".join(value.split()).replace("\u202f", "").replace("€", "")
        if cleaned.upper().endswith("EUR"):
            cleaned = cleaned[:-3]
        if "," in cleaned and "." in cleaned:
            # Both separators: the last one is the decimal mark, the other groups thousands.
            if cleaned.rfind(",") > cleaned.rfind("."):
                cleaned = cleaned.replace(".", "").replace(",", ".")
            else:
                cleaned = cleaned.replace(",", "")
        else:
            cleaned = cleaned.replace(",", ".")
        try:
            number = Decimal(cleaned)
        except InvalidOperation:
            return None, written, f"montant {value!r} is not a number"
        if not number.is_finite():
            return None, written, f"montant {value!r} is not a finite number"
    else:
        return None, _text(value), f"montant is a JSON {type(value).__name__}, not a number"
    try:
        quantized = number.quantize(_CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None, written, f"montant {written} is too large"
    if abs(quantized) >= Decimal("1e16"):
        return None, written, f"montant {written} is too large"
    if quantized != number:
        return quantized, written, f"montant {written} has more than 2 decimals: rounded to {quantized}"
    return quantized, written, ""


def parse_year(value: Any) -> tuple[int | None, str | None, str]:
    """(year, year as written, problem or ""). Accepts 2024, "2024", " 2024 ", 2024.0."""
    if value is None:
        return None, None, "no annee"
    written = _text(value)
    year: int | None = None
    if isinstance(value, bool):
        year = None
    elif isinstance(value, int):
        year = value
    elif isinstance(value, float) and value.is_integer():
        year = int(value)
    elif isinstance(value, str):
        stripped = value.strip()
        if stripped.isascii() and stripped.isdigit():
            year = int(stripped)
        elif stripped.endswith(".0") and stripped[:-2].isascii() and stripped[:-2].isdigit():
            year = int(stripped[:-2])
    if year is None or not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        return None, written, f"annee {written!r} is not a year"
    return year, written, ""


def siret_of(code_tiers: str | None) -> str | None:
    """The SIRET when ``code_tiers`` is one (14 digits, spaces ignored), else None (a name)."""
    if not code_tiers:
        return None
    compact = code_tiers.replace(" ", "") if " " in code_tiers else code_tiers
    if len(compact) == 14 and compact.isascii() and compact.isdigit():
        return compact
    return None


def dispositif_of(id_poste: str | None) -> str | None:
    """The dispositif an ``id_poste`` shape belongs to (checked on every 2020-2025 file), or None. A
    shape inside a longer id ("FONJEP-D00021", "AR/00113R000103") counts too."""
    if not id_poste or not id_poste.isascii():
        return None
    size = len(id_poste)
    if size == 6 and id_poste[0].isalpha() and id_poste[2:].isdigit():
        return FONJEP
    if size == 12 and id_poste[5] == "R" and id_poste[:2].isdigit() and id_poste[-5:].isdigit():
        return ADULTES_RELAIS
    if size > 6:
        if _ADULTES_RELAIS_INSIDE.search(id_poste):
            return ADULTES_RELAIS
        if _FONJEP_INSIDE.search(id_poste):
            return FONJEP
    return None


_FONJEP_INSIDE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9][0-9]{4}$")
_ADULTES_RELAIS_INSIDE = re.compile(r"(?<![0-9])[0-9]{2}[0-9A-Za-z]{3}R[0-9]{6}$")
# An unknown post's dispositif, told from what it is paid: an adulte-relais post is paid one uniform
# yearly aid of about 20 000 € (19 875 € in 2020, 22 811 € in 2024); a FONJEP post one unit of about
# 7 000 € (7 164 €), or a multiple of it.
_ADULTES_RELAIS_MIN_EUR = 15000
UNKNOWN_POST = "POSTE_ETAT"


def dispositif_by_amounts(amounts: list[Any]) -> str:
    """The dispositif a set of posts of no known id shape most likely is, from their amounts; the
    State's unknown post when they fit neither."""
    values = sorted(float(a) for a in amounts if a is not None and float(a) > 0)
    if not values:
        return UNKNOWN_POST
    # The unit: the amount most posts get (a few part-year posts get less).
    unit, median = Counter(values).most_common(1)[0][0], values[len(values) // 2]
    multiples = sum(1 for v in values if abs(v / unit - round(v / unit)) < 1e-6)
    if 5000 <= unit <= 8000 and multiples >= 0.8 * len(values):
        return FONJEP
    if median >= _ADULTES_RELAIS_MIN_EUR:
        return ADULTES_RELAIS
    return UNKNOWN_POST


def _split_fields(
    obj: dict[str, Any], known: frozenset[str], names: dict[str, str | None]
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The record's known fields under their canonical names, and the unknown ones as written."""
    fields: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in obj.items():
        if key in known:
            fields[key] = value
            continue
        if key not in names:
            folded = _fold_key(str(key))
            names[key] = folded if folded in known else None
        canonical = names[key]
        if canonical is not None and canonical not in obj and canonical not in fields:
            fields[canonical] = value
        else:
            extra[key] = value
    return fields, extra or None


class _Record(NamedTuple):
    """One record of an ANCT list: its known fields under their canonical names, the others as written."""

    number: int  # its place in the list, from 1 (its source_line)
    fields: dict[str, Any]
    extra: dict[str, Any] | None
    source_text: str
    whole: Any  # the record as decoded (a GeoJSON feature, for the contracts)


def _each_record(
    records: list[Any],
    issues: _Issues,
    known: frozenset[str],
    unknown_fields: Counter[str],
    fields_of: Callable[[Any], Any],
    rejected: Callable[[int, Any], tuple[str, str, str]],
) -> Iterator[_Record]:
    """The loop every ANCT reader shares: ``fields_of`` gives a record's object of fields; a record
    without one is an error issue (``rejected`` gives its rule, message and summary), not a row.
    Fields this reader does not know are counted in ``unknown_fields`` and kept in ``extra``."""
    names: dict[str, str | None] = {}
    for index, whole in enumerate(records, start=1):
        obj = fields_of(whole)
        if obj.__class__ is not dict:
            rule, message, what = rejected(index, whole)
            issues.record(index, "error", rule, message, _dumps(whole), what)
            continue
        if obj.keys() <= known:
            fields, extra = obj, None
        else:
            fields, extra = _split_fields(obj, known, names)
            if extra:
                unknown_fields.update(extra.keys())
        yield _Record(index, fields, extra, _dumps(whole), whole)


def _text_at(rows: list[dict[str, Any]], line: int) -> str:
    """The source text of the row read from record ``line`` (rows are in record order)."""
    at = bisect_left(rows, line, key=lambda row: row["source_line"])
    return rows[at]["source_text"] if at < len(rows) and rows[at]["source_line"] == line else ""


def _examples(values: list[Any]) -> str:
    shown = ", ".join(str(v) for v in values[:EXAMPLES])
    return shown + (", ..." if len(values) > EXAMPLES else "")


# --- posts -----------------------------------------------------------------------------------------


def parse_posts(lines: list[str]) -> ParseResult:
    """Read an ANCT list of posts into ``anct_posts`` rows; never raises on bad content."""
    result = ParseResult(kind=KIND_POSTS, tables={TABLE_POSTS: []})
    text = "\n".join(lines)
    records = _records(_load(text, result, None), result, "posts", None)
    if not records:
        if not result.issues:
            result.issue(None, "warning", "no_records", "the list of posts is empty: nothing loaded")
        return result
    _read_posts(records, result)
    return result


def _amount_reading(montant: Any) -> tuple[Decimal | None, str | None, str, str, str]:
    """(amount, amount as written, severity, rule, message) of a montant; rule is "" when it is clean."""
    amount, written, problem = parse_amount(montant)
    if amount is None:
        return amount, written, "warning", "unreadable_amount", f"{problem}: amount left NULL"
    if problem:
        return amount, written, "info", "amount_rounded", problem
    if amount <= 0:
        return amount, written, "warning", "non_positive_amount", f"montant {written} is not positive: kept"
    return amount, written, "", "", ""


_AMOUNT_SUMMARIES = {
    "unreadable_amount": "records whose montant could not be read",
    "amount_rounded": "records whose montant was rounded to the cent",
    "non_positive_amount": "records with a montant of zero or less",
}


def _read_posts(records: list[Any], result: ParseResult) -> None:
    rows = result.tables[TABLE_POSTS]
    issues = _Issues(result)
    unknown_fields: Counter[str] = Counter()
    reader = _PostReader(issues)
    append = rows.append
    for record in _each_record(records, issues, frozenset(POST_FIELDS), unknown_fields, _whole, _not_a_post):
        append(reader.read(record, len(rows)))
    issues.flush()
    _settle_dispositif(rows, reader.shapes, reader.unshaped, result)
    _report_fields(rows, reader.missing, unknown_fields, result)
    _report_contract_codes(reader.unknown_codes, rows, result)
    _report_duplicates(rows, result)


def _whole(record: Any) -> Any:
    return record


def _not_a_post(index: int, record: Any) -> tuple[str, str, str]:
    return (
        "record_not_object",
        f"record {index} is a JSON {type(record).__name__}, not an object: not loaded",
        "records that are not objects, not loaded",
    )


def _str(value: Any) -> str | None:
    """The value when it is a non-empty string (the common case, read without a call), else None."""
    return value if value.__class__ is str and value else None


class _PostReader:
    """One post record into its ``anct_posts`` row. Amounts, years and id shapes repeat across a
    file: each distinct value is read once. The type is part of a cache key because 7164 == 7164.0
    in Python, yet they are written differently."""

    def __init__(self, issues: _Issues) -> None:
        self.issues = issues
        self.known_codes = known_contract_codes()
        self.missing: dict[str, list[int]] = {n: [] for n in POST_FIELDS if n not in REQUIRED_POST_FIELDS}
        self.amounts: dict[tuple[type, Any], tuple[Decimal | None, str | None, str, str, str]] = {}
        self.years: dict[tuple[type, Any], tuple[int | None, str | None, str]] = {}
        self.unknown_codes: dict[str, list[int]] = {}
        self.shapes: Counter[str | None] = Counter()
        self.unshaped: list[int] = []  # indexes in rows of the records whose id says no dispositif

    def read(self, record: _Record, position: int) -> dict[str, Any]:
        """The row of ``record``, which will stand at ``position`` among the rows."""
        index, get, source_text = record.number, record.fields.get, record.source_text
        id_poste = get("id_poste")
        if id_poste.__class__ is not str:
            id_poste = _text(id_poste)
            if id_poste is None:
                self.issues.record(
                    index,
                    "warning",
                    "missing_id_poste",
                    f"record {index} has no id_poste: kept without it",
                    source_text,
                    "records without id_poste, kept",
                )
        dispositif = dispositif_of(id_poste)
        self.shapes[dispositif] += 1
        if dispositif is None:
            self.unshaped.append(position)
        amount, amount_text = self._amount(get("montant"), index, source_text)
        year, year_text = self._year(get("annee"), index, source_text)
        code_tiers = _str(get("code_tiers")) or self._text(get("code_tiers"), "code_tiers", index)
        contract_code = _str(get("code_cv")) or self._text(get("code_cv"), "code_cv", index)
        if contract_code is not None and contract_code not in self.known_codes:
            self.unknown_codes.setdefault(contract_code, []).append(index)
        row: AnctPostRow = {
            "post_row_id": f"r{index:06d}",
            "dispositif_code": dispositif,
            "id_poste": id_poste,
            "code_tiers": code_tiers,
            "siret": siret_of(code_tiers),
            "beneficiary_name": _str(get("raison_sociale"))
            or self._text(get("raison_sociale"), "raison_sociale", index),
            "year": year,
            "year_text": year_text,
            "amount_eur": amount,
            "amount_text": amount_text,
            "contract_code": contract_code,
            "insee_dep": _str(get("insee_dep")) or self._text(get("insee_dep"), "insee_dep", index),
            "insee_reg": _str(get("insee_reg")) or self._text(get("insee_reg"), "insee_reg", index),
            "extra_json": _dumps(record.extra) if record.extra else None,
            "source_line": index,
            "source_text": source_text,
        }
        return cast(dict[str, Any], row)

    def _text(self, value: Any, name: str, index: int) -> str | None:
        """A text field that is not a string (``_str`` takes those); a missing one is counted (one
        issue per field for the whole file)."""
        text = _text(value)
        if text is None:
            self.missing[name].append(index)
        return text

    def _amount(self, montant: Any, index: int, source_text: str) -> tuple[Decimal | None, str | None]:
        key = (montant.__class__, montant)
        try:
            amount, amount_text, severity, rule, problem = self.amounts[key]
        except KeyError:
            amount, amount_text, severity, rule, problem = self.amounts[key] = _amount_reading(montant)
        except TypeError:  # a list or object is not hashable: read, not cached
            amount, amount_text, severity, rule, problem = _amount_reading(montant)
        if rule:
            self.issues.record(
                index, severity, rule, f"record {index}: {problem}", source_text, _AMOUNT_SUMMARIES[rule]
            )
        return amount, amount_text

    def _year(self, annee: Any, index: int, source_text: str) -> tuple[int | None, str | None]:
        key = (annee.__class__, annee)
        try:
            year, year_text, problem = self.years[key]
        except KeyError:
            year, year_text, problem = self.years[key] = parse_year(annee)
        except TypeError:
            year, year_text, problem = parse_year(annee)
        if problem:
            self.issues.record(
                index,
                "warning",
                "unreadable_year",
                f"record {index}: {problem}: year left NULL",
                source_text,
                "records whose annee could not be read",
            )
        return year, year_text


def _settle_dispositif(
    rows: list[dict[str, Any]], shapes: Counter[str | None], unshaped: list[int], result: ParseResult
) -> None:
    """Rows whose id has no known shape take the file's dispositif when the other rows all agree."""
    found = {code: count for code, count in shapes.items() if code is not None}
    if len(found) > 1:
        result.issue(
            None,
            "warning",
            "mixed_dispositifs",
            "the file mixes post ids of several dispositifs ("
            + ", ".join(f"{code}: {count}" for code, count in sorted(found.items()))
            + "): each row takes the dispositif of its own id",
        )
    if not unshaped:
        return
    ids = [rows[i]["id_poste"] for i in unshaped]
    lines = [rows[i]["source_line"] for i in unshaped]
    if len(found) == 1:
        code = next(iter(found))
        for i in unshaped:
            rows[i]["dispositif_code"] = code
        result.issue(
            lines[0],
            "warning",
            "unrecognised_post_id",
            f"{len(unshaped)} id_poste of no known shape ({_examples(ids)}; "
            f"records {_examples(lines)}): given the dispositif of the other "
            f"{found[code]} rows, {code}",
            _text_at(rows, lines[0]),
        )
    else:
        # Never left NULL: a post of the State it is, whatever its id; its amounts tell which one.
        code = dispositif_by_amounts([rows[i].get("amount_eur") for i in unshaped])
        for i in unshaped:
            rows[i]["dispositif_code"] = code
        why = "the file mixes dispositifs" if found else "no id_poste has a known shape"
        result.issue(
            lines[0],
            "warning",
            "unknown_dispositif",
            f"{len(unshaped)} rows whose dispositif cannot be told from their id_poste "
            f"({_examples(ids)}; records {_examples(lines)}) and {why}: read as {code} from their amounts "
            "(still State money)",
            _text_at(rows, lines[0]),
        )


def _report_fields(
    rows: list[dict[str, Any]], missing: dict[str, list[int]], unknown: Counter[str], result: ParseResult
) -> None:
    if unknown:
        listed = ", ".join(f"{name} ({count} records)" for name, count in sorted(unknown.items()))
        result.issue(
            None,
            "warning",
            "unknown_fields",
            f"fields this parser does not know, kept in extra_json: {listed}",
        )
    for name, lines in missing.items():
        if not lines:
            continue
        severity = "warning" if name in ("code_cv", "raison_sociale") else "info"
        if len(lines) == len(rows):
            message = f"no record has {name}: the column is NULL for the whole file"
        else:
            message = f"{len(lines)} of {len(rows)} records have no {name} (records {_examples(lines)})"
        result.issue(lines[0], severity, f"missing_{name}", message, _text_at(rows, lines[0]))


def _report_contract_codes(
    unknown_codes: dict[str, list[int]], rows: list[dict[str, Any]], result: ParseResult
) -> None:
    """One warning per distinct contract code that ref_contracts does not know (not one per record),
    anchored to its first record."""
    for code, lines in unknown_codes.items():
        result.issue(
            lines[0],
            "warning",
            "unknown_contract_code",
            f"contract code {code!r} is not in ref_contracts ({len(lines)} records: {_examples(lines)})",
            _text_at(rows, lines[0]),
        )


def _report_duplicates(rows: list[dict[str, Any]], result: ParseResult) -> None:
    """Posts listed more than once in a file: kept (nothing is dropped), but said."""
    ids = Counter(row["id_poste"] for row in rows if row["id_poste"] is not None)
    repeated = {post for post, count in ids.items() if count > 1}
    if repeated:
        rows_in = sum(ids[post] for post in repeated)
        result.issue(
            None,
            "warning",
            "duplicate_id_poste",
            f"{len(repeated)} id_poste appear on more than one record ({rows_in} records in all, "
            f"e.g. {_examples(sorted(repeated))}): all kept",
        )
    texts = Counter(row["source_text"] for row in rows)
    copies = sum(count - 1 for count in texts.values() if count > 1)
    if copies:
        result.issue(
            None,
            "warning",
            "repeated_record",
            f"{copies} records repeat an earlier record of the file exactly: all kept, "
            "so sums over the file count them again",
        )


# --- contracts -------------------------------------------------------------------------------------


def _float(value: Any) -> tuple[float | None, str]:
    if value is None:
        return None, ""
    if isinstance(value, bool):
        return None, "a boolean"
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float("".join(value.split()).replace(",", "."))
        except ValueError:
            return None, f"{value!r} is not a number"
    else:
        return None, f"a JSON {type(value).__name__}"
    if not math.isfinite(number):
        return None, f"{value!r} is not a finite number"
    return number, ""


def _properties(feature: Any) -> Any:
    return feature.get("properties") if isinstance(feature, dict) else None


def _no_properties(index: int, feature: Any) -> tuple[str, str, str]:
    return (
        "feature_without_properties",
        f"feature {index} has no properties object: not loaded",
        "features without properties, not loaded",
    )


def parse_contracts(lines: list[str]) -> ParseResult:
    """Read an ANCT GeoJSON list of contrats de ville into ``anct_contracts`` rows; never raises."""
    result = ParseResult(kind=KIND_CONTRACTS, tables={TABLE_CONTRACTS: []})
    text = "\n".join(lines)
    features = _records(_load(text, result, "features"), result, "features", "features")
    if not features:
        if not result.issues:
            result.issue(
                None, "warning", "no_records", "the FeatureCollection has no features: nothing loaded"
            )
        return result
    rows = result.tables[TABLE_CONTRACTS]
    issues = _Issues(result)
    unknown_fields: Counter[str] = Counter()
    contract_lines: dict[str, list[int]] = {}
    known = frozenset(CONTRACT_FIELDS)
    for record in _each_record(features, issues, known, unknown_fields, _properties, _no_properties):
        index, fields, source_text, feature = record.number, record.fields, record.source_text, record.whole
        extra = record.extra
        code = _text(fields.get("code_cv"))
        found = generation_of(code)
        generation = found.generation if found else None
        if code is None:
            issues.record(
                index,
                "warning",
                "missing_code_cv",
                f"feature {index} has no code_cv: kept without it",
                source_text,
                "features without code_cv",
            )
        else:
            contract_lines.setdefault(code, []).append(index)
            if generation is None:
                issues.record(
                    index,
                    "warning",
                    "unknown_code_shape",
                    f"feature {index}: code {code!r} has the prefix of no generation of contrats de ville "
                    f"({', '.join(g.code_prefix for g in contract_generations())}): generation left NULL",
                    source_text,
                    "features whose code has the prefix of no generation",
                )
        pop, problem = _float(fields.get("pop"))
        if problem:
            issues.record(
                index,
                "warning",
                "unreadable_pop",
                f"feature {index}: pop is {problem}: left NULL",
                source_text,
                "features whose pop could not be read",
            )
        longitude = latitude = None
        geometry = feature.get("geometry")
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if (
            isinstance(geometry, dict)
            and geometry.get("type") == "Point"
            and isinstance(coordinates, list)
            and len(coordinates) >= 2
        ):
            longitude, problem_x = _float(coordinates[0])
            latitude, problem_y = _float(coordinates[1])
            if problem_x or problem_y:
                issues.record(
                    index,
                    "warning",
                    "unreadable_point",
                    f"feature {index}: coordinates unreadable",
                    source_text,
                    "features whose coordinates could not be read",
                )
        else:
            kind = geometry.get("type") if isinstance(geometry, dict) else None
            issues.record(
                index,
                "info",
                "no_point",
                f"feature {index}: geometry is {kind or 'missing'}, not a point: no coordinates",
                source_text,
                "features without a point geometry",
            )
        codgeo = _text(fields.get("codgeo"))
        compact = codgeo.strip() if codgeo else ""
        contract: AnctContractRow = {
            "contract_code": code,
            "contract_name": _text(fields.get("lib_cv")),
            "codgeo": codgeo,
            "epci_siren": compact if len(compact) == 9 and compact.isdigit() else None,
            "commune_insee": compact if len(compact) == 5 else None,
            "insee_dep": _text(fields.get("insee_dep")),
            "pop_qpv": pop,
            "generation": generation,
            "longitude": longitude,
            "latitude": latitude,
            "extra_json": _dumps(extra) if extra else None,
            "source_line": index,
            "source_text": source_text,
        }
        rows.append(cast(dict[str, Any], contract))
    issues.flush()
    if unknown_fields:
        listed = ", ".join(f"{name} ({count} features)" for name, count in sorted(unknown_fields.items()))
        result.issue(
            None,
            "warning",
            "unknown_fields",
            f"properties this parser does not know, kept in extra_json: {listed}",
        )
    known_codes = known_contract_codes()
    _report_contract_codes(
        {code: lines for code, lines in contract_lines.items() if code not in known_codes}, rows, result
    )
    repeated = sorted(code for code, lines in contract_lines.items() if len(lines) > 1)
    if repeated:
        second = contract_lines[repeated[0]][1]
        result.issue(
            second,
            "warning",
            "duplicate_contract_code",
            f"{len(repeated)} contract codes have more than one point ({_examples(repeated)}): all kept",
            _text_at(rows, second),
        )
    return result
