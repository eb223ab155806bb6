"""The dashboard's map: QPV outlines coloured by their funding, drawn with no tile server.

The outlines are the GeoJSON files of ``reference/geo/`` (see its SOURCES.md; add a région's files
there the way QPV lists are added to ``reference/qpv/``). A feature is a QPV when it has a
``code_qp`` (or ``code_qpv``) property, a commune when it has a ``code_commune`` (or ``insee_com``)
and no QPV code. The chart is Vega-Lite (Altair, which Streamlit bundles): the outlines are the map,
so it draws offline, in the browser and in a screenshot alike.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from dashboard.charts import FRENCH
from ingest import labels

GEO_DIR = Path(__file__).resolve().parent.parent / "reference" / "geo"
QPV_KEYS = ("code_qp", "code_qpv")
COMMUNE_KEYS = ("code_commune", "insee_com")


def _code(properties: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    return next((str(properties[k]) for k in keys if properties.get(k)), None)


def _area(ring: list[list[float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:], strict=False)) / 2


def _wound(geometry: dict[str, Any]) -> dict[str, Any]:
    """Rings wound as d3-geo draws them (outer rings clockwise, holes anticlockwise): GeoJSON files
    wound the other way (RFC 7946) would otherwise fill the whole sphere but the shape."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    fixed = []
    for polygon in polygons:
        rings = []
        for index, ring in enumerate(polygon):
            clockwise = _area(ring) < 0
            rings.append(ring if clockwise == (index == 0) else ring[::-1])
        fixed.append(rings)
    return {"type": "MultiPolygon", "coordinates": fixed}


@functools.cache
def _features() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """(QPV outlines by QPV code, commune outlines by INSEE code) of every file of reference/geo."""
    qpvs: dict[str, dict[str, Any]] = {}
    communes: dict[str, dict[str, Any]] = {}
    for path in sorted(GEO_DIR.glob("*.geojson")):
        collection = json.loads(path.read_text(encoding="utf-8"))
        for feature in collection.get("features", []):
            geometry = feature.get("geometry") or {}
            if geometry.get("type") not in ("Polygon", "MultiPolygon"):
                continue
            properties = feature.get("properties") or {}
            shape = {"type": "Feature", "properties": dict(properties), "geometry": _wound(geometry)}
            qpv = _code(properties, QPV_KEYS)
            if qpv:
                qpvs[qpv] = shape
            elif commune := _code(properties, COMMUNE_KEYS):
                communes[commune] = shape
    return qpvs, communes


def qpv_shapes(codes: list[str]) -> list[dict[str, Any]]:
    qpvs, _ = _features()
    return [copy.deepcopy(qpvs[code]) for code in codes if code in qpvs]


def chart(shapes: list[dict[str, Any]], by_qpv: pd.DataFrame, value: str = "amount_eur") -> alt.LayerChart:
    """The communes holding the QPVs (grey), the QPVs coloured by ``value``, a tooltip with figures."""
    _, communes = _features()
    rows = by_qpv.set_index("qpv_code").to_dict("index")
    for shape in shapes:
        properties = shape["properties"]
        code = _code(properties, QPV_KEYS)
        row = rows.get(code, {})
        amount = row.get(value)
        properties.update(
            qpv=f"{code} {row.get('qpv_name') or properties.get('nom_qp') or ''}".strip(),
            amount=float(amount) if amount is not None and not labels.is_missing(amount) else 0.0,
            amount_text=labels.eur(amount) or "0 €",
            targeted_text=labels.eur(row.get("targeted_eur")) or "0 €",
        )
    held = {str(shape["properties"].get("code_commune")) for shape in shapes}
    around = [copy.deepcopy(communes[c]) for c in sorted(held) if c in communes]
    layers = []
    if around:
        layers.append(
            alt.Chart(alt.Data(values=around))
            .mark_geoshape(fill="#f1f1f1", stroke="#9a9a9a", strokeWidth=0.6)
            .encode(tooltip=[alt.Tooltip("properties.nom_commune:N", title="Commune")])
        )
    layers.append(
        alt.Chart(alt.Data(values=shapes))
        .mark_geoshape(stroke="#333333", strokeWidth=0.5)
        .encode(
            color=alt.Color(
                "properties.amount:Q",
                title="Financement prévu (€)",
                scale=alt.Scale(scheme="blues", zero=True),
                legend=alt.Legend(format=",.0f"),
            ),
            tooltip=[
                alt.Tooltip("properties.qpv:N", title="QPV"),
                alt.Tooltip("properties.amount_text:N", title="Financement prévu"),
                alt.Tooltip("properties.targeted_text:N", title="Dont ciblé"),
            ],
        )
    )
    return alt.layer(*layers).project(type="mercator").properties(height=480).configure(locale=FRENCH)
