"""The codes given to what a document does not name are defined once on each side: ingest/codes.py
for the parsers and the exports, the vars of dbt_project.yml (read through the macros
cdv_unknown_funder() and cdv_outside_qpv()) for the models; the two agree, and no model writes them
as literals."""

from __future__ import annotations

from pathlib import Path

import yaml

from ingest import codes

ROOT = Path(__file__).resolve().parent.parent


def test_the_python_and_dbt_codes_agree():
    project = yaml.safe_load((ROOT / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8"))
    assert project["vars"]["unknown_funder_code"] == codes.UNKNOWN_FUNDER
    assert project["vars"]["outside_qpv_code"] == codes.OUTSIDE_QPV


def test_no_model_writes_the_codes_as_literals():
    for path in (ROOT / "models").rglob("*.sql"):
        text = path.read_text(encoding="utf-8")
        assert f"'{codes.UNKNOWN_FUNDER}'" not in text, path
        assert f"'{codes.OUTSIDE_QPV}'" not in text, path
