"""The parsers read exactly the rows recorded in tests/snapshots/parsed.json (see tests/parse_snapshot.py):
a refactoring or a speed-up changes no row of any raw table, nor any issue. A deliberate change of
what is read is recorded with ``python -m tests.parse_snapshot --update`` in the same commit."""

from __future__ import annotations

import json

from tests import parse_snapshot


def test_parsers_read_the_recorded_rows(tmp_path):
    expected = json.loads(parse_snapshot.SNAPSHOT.read_text(encoding="utf-8"))
    actual = parse_snapshot.snapshot(parse_snapshot.inputs(tmp_path))
    assert len(actual) >= 40
    assert parse_snapshot.differences(expected, actual) == []
