"""An automatic hint of which key points an open answer covers, computed from the text alone.

Both texts are normalised (NFKC: full-width letters and digits become half-width; lower case). Each key point is cut
into terms: every English word or number (`zero`, `fp16`, `allreduce`) and every pair of neighbouring Chinese
characters (`梯度累积` → 梯度, 度累, 累积); a Chinese run of one character counts as itself. Terms made only of
common function characters (的, 是, 和, …) are dropped. A key point's coverage is the share of its terms that also
occur in the answer; it counts as *likely covered* at COVERED_AT (one half) or more.

It is a hint for the learner's own grading, never the grade: a paraphrase, a formula or a counter-example that
uses other words is missed, and a list of keywords without understanding scores well.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

COVERED_AT = 0.5
_WORD = re.compile(r"[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_FUNCTION_CHARS = set("的了是在和与及或等把被就都而且也还这那个些其之对为以于从到")


@dataclass(frozen=True)
class PointCoverage:
    index: int
    text: str
    share: float  # 0–1: the key point's terms found in the answer

    @property
    def likely(self) -> bool:
        return self.share >= COVERED_AT


@dataclass(frozen=True)
class CoverageHint:
    points: list[PointCoverage]

    @property
    def likely_covered(self) -> int:
        return sum(point.likely for point in self.points)

    @property
    def total(self) -> int:
        return len(self.points)


def terms(text: str) -> set[str]:
    """English words and numbers, and Chinese character pairs, without pure function-word pairs."""
    normal = unicodedata.normalize("NFKC", text).lower()
    found = {word for word in _WORD.findall(normal) if len(word) > 1 or word.isdigit()}
    for run in _CJK.findall(normal):
        pieces = [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]
        found.update(piece for piece in pieces if not set(piece) <= _FUNCTION_CHARS)
    return found


def coverage(answer: str, key_points: list[str]) -> CoverageHint:
    written = terms(answer)
    points = []
    for index, point in enumerate(key_points):
        wanted = terms(point)
        share = len(wanted & written) / len(wanted) if wanted else 0.0
        points.append(PointCoverage(index=index, text=point, share=share))
    return CoverageHint(points=points)
