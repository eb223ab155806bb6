"""Bar charts in French: amounts on the axes as 1 200 000 €, not 1,200,000.

Streamlit's own ``st.bar_chart`` draws in the browser's default (English) number format; these are
the same Vega-Lite bar charts (Altair, bundled with Streamlit) with the French number locale.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

# d3-format's locale for fr-FR: a narrow no-break space between thousands, a decimal comma.
FRENCH = {
    "number": {"decimal": ",", "thousands": "\u202f", "grouping": [3], "currency": ["", "\u00a0€"]},
}


def bar(
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    color: str | None = None,
    horizontal: bool = False,
    sort: str | None = None,
    stack: bool = True,
    x_label: str | None = None,
    y_label: str | None = None,
) -> alt.Chart:
    """A bar chart of ``y`` (an amount) by ``x``; ``sort`` "-<column>" orders the bars by it, largest first."""
    category = alt.X if not horizontal else alt.Y
    amount = alt.Y if not horizontal else alt.X
    order = alt.EncodingSortField(field=sort.lstrip("-"), order="descending") if sort else "ascending"
    encodings = {
        "x" if not horizontal else "y": category(f"{x}:N", title=x_label or x, sort=order),
        "y" if not horizontal else "x": amount(
            f"{y}:Q", title=y_label or y, axis=alt.Axis(format=",.0f"), stack=True if stack else None
        ),
        "tooltip": [
            alt.Tooltip(f"{x}:N", title=x_label or x),
            alt.Tooltip(f"{y}:Q", title=y_label or y, format=",.2f"),
        ],
    }
    if color:
        encodings["color"] = alt.Color(
            f"{color}:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=320)
        )
        encodings["tooltip"].insert(1, alt.Tooltip(f"{color}:N"))
        if not stack:
            encodings["xOffset" if not horizontal else "yOffset"] = (
                alt.XOffset(f"{color}:N") if not horizontal else alt.YOffset(f"{color}:N")
            )
    chart = alt.Chart(frame).mark_bar().encode(**encodings)
    return chart.properties(height=max(320, 22 * frame[x].nunique()) if horizontal else 340).configure(
        locale=FRENCH
    )
