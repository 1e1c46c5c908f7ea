"""The five seed documents give the question counts measured before the pair and section-heading rules.

Measured on the parser as it stood before those rules (`parse_foreign`, and `preplab convert` of each
document alone and of all five together): a change to how headings or Q/A pairs are read must keep them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.foreign import parse_foreign
from app.content.pipeline import load_content
from tests.conftest import CONTENT

SOURCES = CONTENT / "sources"
CONCEPTS = CONTENT / "concepts.yaml"

# document: (questions the parser finds, questions `convert` writes for it alone, ... with all five)
MEASURED = {
    "000_19bd2eb347514dbd.txt": (30, 15, 15),  # the document repeats itself; convert merges the repeats
    "001_df8376fe26b6958d.txt": (20, 20, 15),  # five of its questions are 000's, which owns them together
    "002_d77de37ba3de4ca3.txt": (6, 6, 6),
    "003_bd4bf7e953bc6448.txt": (7, 7, 7),
    "004_d6b2aaf431fc57a4.txt": (129, 129, 129),
}


def written_per_document(paths: list[Path]) -> dict[str, int]:
    """What `convert_documents` would write for each document, without writing it."""
    content = load_content(paths, concepts_path=CONCEPTS)
    return {bank.path.name: sum(owner is bank for owner, _ in content.questions) for bank in content.banks}


def test_the_measured_documents_are_the_seed_documents() -> None:
    assert sorted(p.name for p in SOURCES.glob("*.txt")) == sorted(MEASURED)


@pytest.mark.parametrize(("name", "counts"), sorted(MEASURED.items()))
def test_parser_and_convert_counts_of_each_document(name: str, counts: tuple[int, int, int]) -> None:
    parsed, converted_alone, _ = counts
    assert len(parse_foreign(SOURCES / name).questions) == parsed
    assert written_per_document([SOURCES / name]) == {name: converted_alone}


def test_convert_counts_of_all_five_together() -> None:
    together = written_per_document(sorted(SOURCES.glob("*.txt")))
    assert together == {name: counts[2] for name, counts in MEASURED.items()}
