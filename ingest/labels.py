"""Words an analyst reads: French column headers and value labels, and French number formats.

The warehouse's columns are named for SQL (``amount_eur``, ``qpv_allocation``); the dashboard, the
workbook of ``cdv export xlsx`` and the CSV downloads show them in the domain's French terms. One
table here, so that a column has the same name on every page and in every file. A column not
listed keeps its SQL name (a new column is shown, never hidden).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

COLUMNS: dict[str, str] = {
    "action_id": "Action (identifiant)",
    "amount_eur": "Montant (€)",
    "axis_code": "Axe",
    "axis_label": "Intitulé de l'axe",
    "commune_name": "Commune",
    "comparable_planned_eur": "Prévu comparable (€)",
    "contract_code": "Contrat",
    "contract_confidence": "Confiance",
    "contract_count": "Contrats",
    "contract_evidence": "Texte qui a décidé",
    "contract_name": "Nom du contrat",
    "contract_rule": "Règle de reconnaissance",
    "cost_eur": "Coût indiqué (€)",
    "cost_figure_count": "Coûts lus",
    "coverage_ratio": "Taux de couverture",
    "detected_by": "Reconnu par",
    "dispositif": "Dispositif",
    "dispositif_code": "Dispositif",
    "document_file": "Document",
    "document_kind": "Type de document",
    "executed_dispositifs": "Dispositifs exécutés",
    "executed_eur": "Exécuté (€)",
    "executed_post_count": "Postes financés",
    "executed_vs_planned_id": "Identifiant",
    "execution_ratio": "Taux d'exécution",
    "fiche_code": "Fiche action",
    "fiche_title": "Intitulé de la fiche",
    "financing_type": "Type de crédits",
    "funder_code": "Financeur",
    "funder_count": "Financeurs",
    "funder_name": "Nom du financeur",
    "funder_role": "Rôle du financeur",
    "funder_type": "Type de financeur",
    "funding_eur": "Financement prévu (€)",
    "funding_kind": "Prévu ou exécuté",
    "funding_line_count": "Lignes de financement",
    "funding_line_id": "Ligne de financement",
    "funding_year": "Année",
    "hors_qpv_eur": "Hors QPV (€)",
    "issue_count": "Anomalies",
    "issue_id": "Anomalie",
    "line_amount_eur": "Montant de la ligne (€)",
    "local_funder_eur": "Financeurs locaux (€)",
    "message": "Message",
    "no_ratio_reason": "Pourquoi pas de taux",
    "objective_code": "Objectif opérationnel",
    "other_candidates": "Autres contrats possibles",
    "outside_qpv_eur": "Hors QPV (€)",
    "pillar": "Pilier",
    "planned_eur": "Prévu (€)",
    "planned_line_count": "Lignes prévues",
    "published_contract_codes": "Contrats publiés",
    "qpv_allocation": "Ciblé ou partagé",
    "qpv_code": "QPV",
    "qpv_count": "QPV",
    "qpv_eur": "Vers un QPV (€)",
    "qpv_name": "Nom du QPV",
    "quarantine_id": "Quarantaine",
    "root_funder_code": "Financeur de rattachement",
    "root_funder_name": "Nom du financeur de rattachement",
    "row_kind": "Type de ligne",
    "rule": "Règle",
    "severity": "Gravité",
    "share_eur": "Part (€)",
    "shared_all_eur": "Partagé entre tous les QPV (€)",
    "shared_eur": "Partagé (€)",
    "shared_several_eur": "Partagé entre plusieurs QPV (€)",
    "source_line": "Ligne du document",
    "source_text": "Texte source",
    "sub_action": "Sous-action",
    "targeted_eur": "Ciblé sur le QPV (€)",
    "territory_wide_eur": "Tout le territoire (€)",
    "unidentified_eur": "Sans financeur identifié (€)",
    "year_end": "Dernière année",
    "year_start": "Première année",
}

# Values of coded columns, in words.
VALUES: dict[str, dict[str, str]] = {
    "funding_kind": {"planned": "prévu", "executed": "exécuté"},
    "qpv_allocation": {
        "targeted": "ciblé",
        "shared_several": "partagé (plusieurs QPV)",
        "shared_all": "partagé (tous les QPV)",
        "territory_wide": "tout le territoire",
        "outside_qpv": "hors QPV",
    },
    "financing_type": {"droit_commun": "droit commun", "credits_specifiques": "crédits spécifiques"},
    "funder_type": {
        "etat": "État",
        "collectivite": "collectivité",
        "organisme": "organisme",
        "europe": "Europe",
    },
    "severity": {"error": "erreur", "warning": "avertissement", "info": "information"},
}

# One line to say what "targeted" and "shared" mean, wherever a figure is split by them.
ALLOCATION_NOTE = (
    "Ciblé : le texte attribue l'argent à ce QPV (seul ou parmi quelques-uns nommés, à parts égales) ; "
    "partagé : une ligne « tous les QPV » répartie à parts égales entre les QPV du contrat ; "
    "tout le territoire : une ligne pour le territoire du contrat entier ; hors QPV : un lieu qui n'est "
    "pas un QPV, ou rien de dit."
)


def column(name: str) -> str:
    return COLUMNS.get(name, name)


def value(name: str, raw: Any) -> Any:
    return VALUES.get(name, {}).get(raw, raw) if isinstance(raw, str) else raw


def is_missing(raw: Any) -> bool:
    return raw is None or (isinstance(raw, float) and math.isnan(raw))


def _grouped(digits: str) -> str:
    """1234567 -> 1 234 567 (a narrow no-break space between thousands, as French typography)."""
    return f"{int(digits):,}".replace(",", "\u202f")


def eur(raw: Any, *, cents: bool | None = None) -> str:
    """6 537 498 €; 42 549,50 € (cents shown when there are any, or when ``cents``)."""
    if is_missing(raw):
        return ""
    amount = Decimal(str(raw)).quantize(Decimal("0.01"))
    sign = "-" if amount < 0 else ""
    whole, _, fraction = f"{abs(amount):.2f}".partition(".")
    show_cents = cents if cents is not None else fraction != "00"
    return f"{sign}{_grouped(whole)}{',' + fraction if show_cents else ''}\u00a0€"


def eur_short(raw: Any) -> str:
    """Where space is short: 653,6 M€, 824 k€, 950 €."""
    if is_missing(raw):
        return ""
    amount = float(raw)
    for factor, unit in ((1e9, "Md€"), (1e6, "M€"), (1e3, "k€")):
        if abs(amount) >= factor:
            scaled = amount / factor
            text = f"{scaled:.1f}" if abs(scaled) < 100 else f"{scaled:.0f}"
            return text.replace(".", ",") + f"\u00a0{unit}"
    return eur(round(amount))


def percent(raw: Any) -> str:
    """0.7164 -> 71,6 %."""
    if is_missing(raw):
        return ""
    return f"{float(raw) * 100:.1f}".replace(".", ",") + "\u00a0%"


def count(raw: Any) -> str:
    if is_missing(raw):
        return ""
    return _grouped(str(int(raw)))
