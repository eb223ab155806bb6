"""Codes the warehouse gives what a document does not name, defined once for the Python side.

The dbt project defines the same two (tests/test_constants.py keeps them equal).
"""

from __future__ import annotations

# The funder of a line no rule could decide (its text is kept; analytics.dq_issues says why).
UNKNOWN_FUNDER = "NON_IDENTIFIE"
# The "QPV" of money that reaches no priority neighbourhood (a line for a whole town, or one whose
# territory names no QPV the reference knows).
OUTSIDE_QPV = "HORS_QPV"
