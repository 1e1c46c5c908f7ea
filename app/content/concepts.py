"""The concept catalogue (content/concepts.yaml): loading with located errors, and tagging questions.

Names and aliases are matched by one compiled regex per catalogue (a trie, so tagging stays fast). ASCII
aliases match case-insensitively on word boundaries ("GPT" matches "GPT-4" and "GPT系列", not "ChatGPT");
a space, "-" or "_" inside an alias also matches none or several of them ("fine-tuning" matches
"finetuning"), and a plural "s"/"es" may follow. Other (Chinese) aliases match as plain substrings.
`exact_aliases` match case-sensitively ("ZeRO", so that "zero-centered" is not ZeRO). Text is NFKC-folded
first, and where several aliases start at one place the longest wins.
"""

from __future__ import annotations

import hashlib
import re
import string
import threading
import unicodedata
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from app.content.bank import ContentError, ParsedQuestion, decode_checked, read_bytes_checked
from app.yaml_loader import SAFE_LOADER

DEFAULT_TOPIC = "大模型基础"
MAX_TAGS = 6
MAX_ANSWER_TAGS = 3

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SEP = re.compile(r"[\s\-_]+")
_WORD = "A-Za-z0-9"
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_SEP_UNIT, _END = " ", ""  # trie keys: a separator (space, "-", "_" or none) and the end of a term
_FIELDS = ("id", "name_zh", "name_en", "topic", "aliases", "summary")
_OPTIONAL = ("exact_aliases", "related", "labs")

Trie = dict[str, "Trie"]
Fallbacks = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Concept:
    id: str
    name_zh: str
    name_en: str
    topic: str
    aliases: tuple[str, ...]
    related: tuple[str, ...] = ()
    labs: tuple[str, ...] = ()
    summary: str = ""
    exact_aliases: tuple[str, ...] = ()  # matched case-sensitively

    def terms(self) -> list[tuple[str, bool]]:
        """Every text that names this concept, with whether it is matched case-sensitively."""
        plain = [self.name_zh, self.name_en, *self.aliases]
        return [(t, False) for t in plain] + [(t, True) for t in self.exact_aliases]


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _key(term: str) -> str:
    """The lookup key of a term or of matched text: width, case and inner separators folded."""
    return _SEP.sub("", _norm(term).lower())


def _is_word(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _trie_pattern(node: Trie, prev: str = "") -> str:
    """Longer terms before shorter ones; no letter or digit just before (after) a term that starts (ends)
    with one; a plural "s"/"es" after a term that ends with a letter."""
    alternatives = []
    for unit, child in node.items():
        if unit == _SEP_UNIT:
            alternatives.append(r"[\s\-_]*" + _trie_pattern(child, prev))
        elif unit != _END:  # a look-behind after the literal, so that the engine can skip on the literal
            behind = f"(?<![{_WORD}].)" if not prev and _is_word(unit) else ""
            alternatives.append(re.escape(unit) + behind + _trie_pattern(child, unit))
    if _END in node:
        tail = "(?:e?s)?" if prev.isascii() and prev.isalpha() else ""
        alternatives.append(tail + (f"(?![{_WORD}])" if _is_word(prev) else ""))
    return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"


def _compile(terms: list[str]) -> re.Pattern[str] | None:
    root: Trie = {}
    for term in terms:
        node = root
        for i, part in enumerate(_SEP.split(term.strip())):
            for unit in ([_SEP_UNIT] if i else []) + list(part):
                node = node.setdefault(unit, {})
        node[_END] = {}
    return re.compile(_trie_pattern(root)) if root else None


class _Matcher:
    """Case-insensitive terms are matched in a copy of the text with ASCII letters lowered (same length,
    so positions agree), exact terms in the text itself."""

    def __init__(self, concepts: tuple[Concept, ...]) -> None:
        self.lookup: dict[str, str] = {}
        folded: list[str] = []
        exact: list[str] = []
        for concept in concepts:
            for term, is_exact in concept.terms():
                self.lookup.setdefault(_key(term), concept.id)
                if is_exact:
                    exact.append(_norm(term))
                else:
                    folded.append(_norm(term).translate(_ASCII_LOWER))
        self.folded, self.exact = _compile(folded), _compile(exact)

    def scan(self, text: str) -> list[str]:
        text = _norm(text)
        spans: list[tuple[int, int, str]] = []
        for regex, subject in ((self.folded, text.translate(_ASCII_LOWER)), (self.exact, text)):
            if regex:
                spans.extend((m.start(), -m.end(), m.group()) for m in regex.finditer(subject))
        found: list[str] = []
        end = 0
        for start, neg_end, matched in sorted(spans):  # leftmost, then longest; no overlaps
            key = _key(matched)
            cid = self.lookup.get(key) or self.lookup.get(key[:-1]) or self.lookup.get(key[:-2])
            if start >= end and cid:
                found.append(cid)
                end = -neg_end
        return found


@dataclass(frozen=True)
class ConceptCatalogue:
    topics: tuple[str, ...]
    concepts: tuple[Concept, ...]
    fallbacks: Fallbacks = ()  # (topic, concept id): one catch-all concept per topic
    _by_id: dict[str, Concept] = field(init=False, repr=False, compare=False)
    _matcher: _Matcher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {c.id: c for c in self.concepts})
        object.__setattr__(self, "_matcher", _Matcher(self.concepts))

    def __contains__(self, concept_id: object) -> bool:
        return concept_id in self._by_id

    def by_id(self, concept_id: str) -> Concept:
        return self._by_id[concept_id]

    def fallback_ids(self) -> set[str]:
        return {cid for _, cid in self.fallbacks}

    def fallback_for(self, topic: str | None) -> Concept:
        """The catch-all concept of a topic; an unknown or missing topic gets the default topic's."""
        table = dict(self.fallbacks)
        if topic not in table:
            topic = DEFAULT_TOPIC if DEFAULT_TOPIC in table else self.topics[0]
        return self._by_id[table[topic]]

    def scan(self, text: str) -> list[str]:
        """Concept ids of every name or alias occurrence in text, in order, repeats kept."""
        return self._matcher.scan(text)


def _dedupe(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def match_concepts(text: str, catalogue: ConceptCatalogue) -> list[str]:
    """Ids of the concepts whose names or aliases occur in text, ordered by first occurrence."""
    return _dedupe(catalogue.scan(text))


def tag_question(question: ParsedQuestion, catalogue: ConceptCatalogue) -> list[str]:
    """Explicit concepts, then matches in title and prompt; else the answer's most frequent matches; else
    the fallback concept of the question's topic (or of the default topic). Never empty."""
    for cid in question.concepts:
        if cid not in catalogue:
            raise ContentError(question.file, question.line, f"未知概念 {cid} / unknown concept {cid}")
    explicit = _dedupe(list(question.concepts))
    tags = _dedupe(explicit + match_concepts(f"{question.title}\n{question.prompt}", catalogue))
    if not tags:  # ties in order of first occurrence
        tags = [cid for cid, _ in Counter(catalogue.scan(question.answer)).most_common(MAX_ANSWER_TAGS)]
    if not tags:
        tags = [catalogue.fallback_for(question.topic).id]
    return tags[: max(MAX_TAGS, len(explicit))]


def infer_topic(concept_ids: list[str], catalogue: ConceptCatalogue) -> str:
    """The topic of the first non-fallback concept; else of the first (fallback) one; else the default."""
    known = [cid for cid in concept_ids if cid in catalogue]
    chosen = [cid for cid in known if cid not in catalogue.fallback_ids()] or known
    if chosen:
        return catalogue.by_id(chosen[0]).topic
    return DEFAULT_TOPIC if DEFAULT_TOPIC in catalogue.topics else catalogue.topics[0]


# ── loading ──────────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class _Reader:
    """Reads composed YAML nodes into plain values; every error is located at its node's line."""

    path: Path

    def fail(self, node: Node, zh: str, en: str) -> ContentError:
        return ContentError(self.path, node.start_mark.line + 1, f"{zh} / {en}")

    def mapping(self, node: Node, required: tuple[str, ...], optional: tuple[str, ...]) -> dict[str, Node]:
        if not isinstance(node, MappingNode):
            raise self.fail(node, "应为映射", "expected a mapping")
        fields: dict[str, Node] = {}
        for key, value in node.value:
            name = self.text(key, "key")
            if name in fields:
                raise self.fail(key, f"重复的键 {name}", f"duplicate key {name}")
            if name not in required + optional:
                raise self.fail(key, f"未知的键 {name}", f"unknown key {name}")
            fields[name] = value
        for name in required:
            if name not in fields:
                raise self.fail(node, f"缺少键 {name}", f"missing key {name}")
        return fields

    def text(self, node: Node, what: str) -> str:
        if not isinstance(node, ScalarNode) or not str(node.value).strip():
            raise self.fail(node, f"{what} 应为非空字符串", f"{what} must be a non-empty string")
        return str(node.value).strip()

    def texts(self, node: Node | None, what: str) -> list[tuple[str, Node]]:
        if node is None or (isinstance(node, ScalarNode) and node.tag.endswith(":null")):
            return []
        if not isinstance(node, SequenceNode):
            raise self.fail(node, f"{what} 应为列表", f"{what} must be a list")
        return [(self.text(item, what), item) for item in node.value]


def _compose(path: Path, text: str, reader: _Reader) -> dict[str, Node]:
    try:
        root = yaml.compose(text, Loader=SAFE_LOADER)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ContentError(path, line, f"YAML 语法错误 / YAML syntax error: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise ContentError(path, None, f"YAML 语法错误 / YAML syntax error: {exc}") from exc
    if root is None:
        raise ContentError(path, 1, "文件为空 / empty file")
    return reader.mapping(root, ("topics", "concepts", "fallbacks"), ())


def _read_concept(reader: _Reader, node: Node, topics: tuple[str, ...]) -> tuple[Concept, dict[str, Node]]:
    f = reader.mapping(node, _FIELDS, _OPTIONAL)
    values = {name: reader.text(f[name], name) for name in _FIELDS if name != "aliases"}
    if not _SLUG.fullmatch(values["id"]):
        raise reader.fail(f["id"], "概念 id 只能含小写字母、数字和连字符", "concept id must be a slug")
    if values["topic"] not in topics:
        raise reader.fail(f["topic"], f"未知主题 {values['topic']}", f"unknown topic {values['topic']}")
    lists = {name: reader.texts(f.get(name), name) for name in ("aliases", *_OPTIONAL)}
    if not lists["aliases"] + lists["exact_aliases"]:
        raise reader.fail(f["aliases"], "没有别名", f"concept {values['id']} has no alias")
    for alias, item in lists["aliases"] + lists["exact_aliases"]:
        if alias.isascii() and len(alias) < 3 and not any(ch.isdigit() for ch in alias):
            raise reader.fail(item, f"别名 {alias!r} 太短", f"alias {alias!r} is too short to match safely")
    for lab, item in lists["labs"]:
        if not _SLUG.fullmatch(lab):
            raise reader.fail(item, f"实验 id {lab!r} 格式错误", f"lab id {lab!r} must be a slug")
    got = {name: tuple(text for text, _ in items) for name, items in lists.items()}
    concept = Concept(values["id"], values["name_zh"], values["name_en"], values["topic"], got["aliases"],
                      got["related"], got["labs"], values["summary"], got["exact_aliases"])
    return concept, f


def _check_terms(reader: _Reader, concepts: list[tuple[Concept, dict[str, Node]]]) -> None:
    """No name or alias may name two concepts (case, width and separators folded)."""
    owner: dict[str, str] = {}
    for concept, f in concepts:
        names = [(reader.text(f[name], name), f[name]) for name in ("name_zh", "name_en")]
        for term, node in names + reader.texts(f["aliases"], "") + reader.texts(f.get("exact_aliases"), ""):
            other = owner.setdefault(_key(term), concept.id)
            if other != concept.id:
                both = f"{other} / {concept.id}"
                raise reader.fail(node, f"别名 {term!r} 重复：{both}", f"alias {term!r} names both {both}")


def _check_related(reader: _Reader, concepts: list[tuple[Concept, dict[str, Node]]]) -> None:
    ids: set[str] = set()
    for concept, f in concepts:
        if concept.id in ids:
            raise reader.fail(f["id"], f"重复的概念 {concept.id}", f"duplicate concept id {concept.id}")
        ids.add(concept.id)
    for concept, f in concepts:
        for rid, item in reader.texts(f.get("related"), "related"):
            if rid not in ids or rid == concept.id:
                raise reader.fail(item, f"未知的相关概念 {rid}", f"unknown related concept {rid}")


def _read_fallbacks(reader: _Reader, node: Node, topics: tuple[str, ...], concepts: list[Concept]
                    ) -> Fallbacks:
    table = reader.mapping(node, (), topics)
    topic_of = {c.id: c.topic for c in concepts}
    result: list[tuple[str, str]] = []
    for topic in topics:
        if topic not in table:
            raise reader.fail(node, f"主题 {topic} 缺少兜底概念", f"topic {topic} has no fallback concept")
        cid = reader.text(table[topic], "fallback")
        if topic_of.get(cid) != topic:
            zh, en = f"兜底概念 {cid} 无效", f"fallback {cid} is not a concept of {topic}"
            raise reader.fail(table[topic], zh, en)
        result.append((topic, cid))
    return tuple(result)


def load_concepts(path: Path) -> ConceptCatalogue:
    """Read and validate a concept catalogue; every problem is a ContentError with its YAML line.

    A catalogue is immutable and depends on nothing but its file's bytes, so this process keeps the last few it read,
    by path and SHA-256 of the bytes: an import that finds the catalogue unchanged (nearly every import) skips
    parsing, checking and compiling it again (25–35 ms of CPU here for content/'s). A file that fails is never kept."""
    data = read_bytes_checked(path)
    key = (str(path.resolve()), hashlib.sha256(data).digest())
    with _parsed_lock:
        if (kept := _parsed.get(key)) is not None:
            _parsed.move_to_end(key)
            return kept
    catalogue = _parse(path, decode_checked(path, data))
    with _parsed_lock:
        _parsed[key] = catalogue
        while len(_parsed) > PARSED_CATALOGUES:
            _parsed.popitem(last=False)
    return catalogue


PARSED_CATALOGUES = 4
_parsed: OrderedDict[tuple[str, bytes], ConceptCatalogue] = OrderedDict()
_parsed_lock = threading.Lock()


def _parse(path: Path, text: str) -> ConceptCatalogue:
    reader = _Reader(path)
    root = _compose(path, text, reader)
    topic_items = reader.texts(root["topics"], "topics")
    topics = tuple(topic for topic, _ in topic_items)
    if not topics:
        raise reader.fail(root["topics"], "主题列表为空", "no topics")
    for i, (topic, item) in enumerate(topic_items):
        if topic in topics[:i]:
            raise reader.fail(item, f"重复的主题 {topic}", f"duplicate topic {topic}")
    if not isinstance(root["concepts"], SequenceNode):
        raise reader.fail(root["concepts"], "concepts 应为列表", "concepts must be a list")
    read = [_read_concept(reader, node, topics) for node in root["concepts"].value]
    _check_related(reader, read)
    _check_terms(reader, read)
    concepts = [concept for concept, _ in read]
    fallbacks = _read_fallbacks(reader, root["fallbacks"], topics, concepts)
    return ConceptCatalogue(topics=topics, concepts=tuple(concepts), fallbacks=fallbacks)
