"""The codes given to what a document does not name are defined once on each side: ingest/codes.py
for the parsers and the exports, the vars of dbt_project.yml (read through the macros
cdv_unknown_funder() and cdv_outside_qpv()) for the models; the two agree, and no model writes them
as literals."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ingest import codes

ROOT = Path(__file__).resolve().parent.parent


def test_the_python_and_dbt_codes_agree():
    project = yaml.safe_load((ROOT / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8"))
    assert project["vars"]["unknown_funder_code"] == codes.UNKNOWN_FUNDER
    assert project["vars"]["outside_qpv_code"] == codes.OUTSIDE_QPV


# SQL comments and Jinja comments, which may name the codes in prose.
_COMMENTS = re.compile(r"/\*.*?\*/|\{#.*?#\}|--[^\n]*", re.DOTALL)
_STRING = re.compile(r"'(?:[^']|'')*'")


def _sql_files():
    return [*(ROOT / "models").rglob("*.sql"), *(ROOT / "dbt_project" / "macros").rglob("*.sql")]


def _yml_values(node, key=None):
    """Every string of a properties file but the descriptions (prose): tests' arguments and configs,
    unit tests' rows."""
    if isinstance(node, dict):
        for name, value in node.items():
            if name != "description":
                yield from _yml_values(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from _yml_values(value, key)
    elif isinstance(node, str):
        yield node


def test_no_model_writes_the_codes_as_literals():
    """Not as a string of their own ('HORS_QPV'), nor inside one (':HORS_QPV', a test's pattern), in
    models and macros, nor in the tests and unit-test rows of their properties files."""
    for path in _sql_files():
        code = _COMMENTS.sub("", path.read_text(encoding="utf-8"))
        for literal in _STRING.findall(code):
            assert codes.UNKNOWN_FUNDER not in literal, (path, literal)
            assert codes.OUTSIDE_QPV not in literal, (path, literal)
    for path in [*(ROOT / "models").rglob("*.yml"), ROOT / "seeds" / "_seeds.yml"]:
        for value in _yml_values(yaml.safe_load(path.read_text(encoding="utf-8"))):
            assert codes.UNKNOWN_FUNDER not in value, (path, value)
            assert codes.OUTSIDE_QPV not in value, (path, value)


def test_the_codes_macros_render_the_vars():
    macros = (ROOT / "dbt_project" / "macros" / "codes.sql").read_text(encoding="utf-8")
    assert """'{{ var("unknown_funder_code") }}'""" in macros
    assert """'{{ var("outside_qpv_code") }}'""" in macros


def test_contract_generations_come_from_their_seed():
    from ingest.contracts import _era
    from ingest.reference import contract_generations, default_generation, generation_of

    assert [(g.code_prefix, g.period_start, g.planned_period_end) for g in contract_generations()] == [
        ("CV", 2015, 2020),
        ("CN", 2024, 2030),
    ]
    assert generation_of("CN03412M").generation == "2024-2030"
    assert generation_of("CV112").generation == "2015-2023"
    assert generation_of("ZZ1") is None and default_generation().code_prefix == "CV"
    # The years a document speaks of: the year before a generation starts counts for it.
    assert _era("Bilan 2014, actions 2016 et 2017") == "2015-2023"
    assert _era("Engagements 2023-2025, puis 2026") == "2024-2030"
    assert _era("2016 2026") == "2015-2023"  # a tie: the older generation
    assert _era("sans année") is None


def test_the_confidence_levels_are_those_the_column_docs_give():
    from ingest.funding import FUNDER_CONFIDENCE

    sources = yaml.safe_load(
        (ROOT / "models/staging/documents/_documents__sources.yml").read_text(encoding="utf-8")
    )
    (lines,) = [t for s in sources["sources"] for t in s["tables"] if t["name"] == "funding_lines"]
    (doc,) = [c["description"] for c in lines["columns"] if c["name"] == "confidence"]
    for level in set(FUNDER_CONFIDENCE.values()):
        assert f"{level} " in doc, level
