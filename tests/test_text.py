"""The fast paths of the text helpers give exactly what their plain definitions give.

``text.fold`` folds Windows-1252 text through a byte table, ``funders.AliasPattern`` skips the
patterns whose literal is absent and ``reading._looks_binary`` counts control bytes by deleting the
others: each is checked here against the obvious, slow definition it replaced, on the real
documents and on generated text (accents, combining marks, the characters Python's case-insensitive
matching equates with ASCII letters, characters that fold to several).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import funders, reading
from ingest.territories import territory_of
from ingest.text import fold

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted((ROOT / "data" / "documents").glob("*.txt"))


def reference_fold(text: str) -> str:
    """The definition of ``fold``: NFKD, marks dropped, ’ as ', lower, other characters one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = bare.replace("\u2019", "'").lower()
    return re.sub(r"[^a-z0-9%€]+", " ", bare).strip()


CP1252 = [bytes([b]).decode("cp1252", errors="ignore") for b in range(256)]
TRICKY = "ÉéÈèÊêËëÀàÂâÄäÎîÏïÔôÖöÙùÛûÜüÇçŒœÆæß€’‘“”–—…¼½¾™²°µ\u00a0\u202f\u0301\u0327İıſKﬁ\tΣς"
chars = st.one_of(
    st.sampled_from([c for c in CP1252 if c]),
    st.sampled_from(list(TRICKY)),
    st.characters(codec="utf-8"),
)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_fold_of_the_real_documents_is_the_definition(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert fold.__wrapped__(text) == reference_fold(text)
    for line in text.splitlines():
        assert fold.__wrapped__(line) == reference_fold(line), line


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.text(alphabet=chars, max_size=40))
def test_fold_is_the_definition(text: str) -> None:
    assert fold.__wrapped__(text) == reference_fold(text)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Lézignan-Corbières", "lezignan corbieres"),
        ("Crédits  spécifiques :", "credits specifiques"),
        ("ŒUVRE ¼ ™ l’État", "uvre 1 4 tm l etat"),  # several-character folds take the general path
        ("İstanbul ſ", "istanbul s"),
        ("62 000 €* 20%", "62 000 € 20%"),
        ("", ""),
    ],
)
def test_fold_examples(text: str, folded: str) -> None:
    assert fold(text) == folded


ALIAS_WORDS = [
    "État",
    "ETAT",
    "DIRECCTE UT 66",
    "CAF",
    "caf",
    "Conseil Départemental",
    "contrats aidés",
    "CONTRATS AIDÉS",
    "garantie jeunes",
    "ACSE/DRJSCS",
    "Pôle emploi",
    "PÔLE EMPLOI",
    "rSa",
    "CDDI",
    "emploi d’avenir",
    "ſ",
    "İ",
    "K",
]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.one_of(st.sampled_from(ALIAS_WORDS), st.text(alphabet=chars, max_size=6)), max_size=8))
def test_alias_literal_prefilter_drops_no_match(parts: list[str]) -> None:
    text = " ".join(parts)
    for contract in (None, "CV235", "CV038", "CV037"):
        lexicon = funders.lexicon(territory_of(contract))
        assert lexicon.matches(text) == lexicon.matches(text, prefilter=False)


def test_case_insensitive_twins_of_ascii_letters_are_lowered_to_them() -> None:
    """Every character that ``re.IGNORECASE`` matches to an ASCII letter or digit is that
    letter in ``funders.lowered``: the condition for the literal prefilter to be exact."""
    any_ascii = re.compile(r"[a-z0-9]", re.IGNORECASE)
    twins = [chr(u) for u in range(0x110000) if any_ascii.fullmatch(chr(u))]
    assert len(twins) > 62  # the 62 ASCII letters and digits, and the twins
    for twin in twins:
        letters = [c for c in "abcdefghijklmnopqrstuvwxyz0123456789" if re.fullmatch(c, twin, re.IGNORECASE)]
        assert letters and all(c in funders.lowered(twin) for c in letters), twin


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.binary(max_size=300))
def test_control_byte_count_is_the_definition(data: bytes) -> None:
    controls = sum(1 for byte in data if byte < 32 and byte not in reading._TEXT_CONTROLS)
    expected = bool(data) and (b"\x00" in data or controls / len(data) > reading._BINARY_CONTROL_SHARE)
    assert reading._looks_binary(data) == expected


def test_the_quick_document_hash_is_the_key_read_file_gives(tmp_path) -> None:
    """``document_sha256`` hashes plain UTF-8 files' bytes directly; on every other kind of input it
    must still give ``read_file``'s key (decoded text, newlines normalised)."""
    text = (DOCUMENTS[0].read_text(encoding="utf-8"))[:3000]
    variants = {
        "utf8.txt": text.encode(),
        "bom.txt": b"\xef\xbb\xbf" + text.encode(),
        "crlf.txt": text.replace("\n", "\r\n").encode(),
        "cp1252.txt": text.encode("cp1252", errors="replace"),
        "utf16.txt": text.encode("utf-16"),
        "utf16le.txt": text.encode("utf-16-le"),
        "binary.bin": bytes(range(1, 32)) * 50,
        "nul.bin": b"abc\x00def" * 10,
        "empty.txt": b"",
    }
    for name, data in variants.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert reading.document_sha256(path) == reading.read_file(path).sha256, name
