"""Recognising a document's kind from its content, never from its file name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ingest import anct, annex, programme, qpv_list
from ingest.records import ParseResult

# Below this score a document is of no known kind: it is reported, not guessed.
MIN_SCORE = 0.5


@dataclass(frozen=True)
class Kind:
    name: str
    detect: Callable[[str], float]
    # (lines) for data sets, (lines, recognised contract) for single-contract documents.
    parse: Callable[..., ParseResult]
    # False for data sets covering many contrats de ville (the ANCT files): the document as a whole
    # belongs to none, so its text must not be searched for one contract's name.
    single_contract: bool = True


# Detectors that read only the start of a document come first: see ``recognise``.
KINDS: tuple[Kind, ...] = (
    Kind(anct.KIND_POSTS, anct.detect_posts, anct.parse_posts, single_contract=False),
    Kind(anct.KIND_CONTRACTS, anct.detect_contracts, anct.parse_contracts, single_contract=False),
    Kind(qpv_list.KIND, qpv_list.detect, qpv_list.parse, single_contract=False),
    Kind(programme.KIND, programme.detect, programme.parse),
    Kind(annex.KIND, annex.detect, annex.parse),
)
# No detector scores above this: a kind that reaches it cannot be beaten.
CERTAIN = 1.0


def recognise(text: str) -> Kind | None:
    """The kind whose detector scores highest, None below ``MIN_SCORE``.

    Detectors run in ``KINDS`` order and the search stops at the first certain score (so ties at
    ``CERTAIN`` go to the earlier kind, other ties to the greater name): the text detectors scan the
    whole text, which costs more than parsing a large JSON file.
    """
    scored = []
    for kind in KINDS:
        score = kind.detect(text)
        if score >= CERTAIN:
            return kind
        scored.append((score, kind.name, kind))
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    if not scored or scored[0][0] < MIN_SCORE:
        return None
    return scored[0][2]
