"""Simulated learners against a live PrepLab (loopback only), and the check that nothing they were told was saved
is lost or doubled. Used by the load-and-kill test (tests/test_load.py) and the load benchmark (tests/bench/load.py).

Each learner is one browser tab (tests/http_load.Client): it loads a page for its CSRF cookie and token, starts a
mock interview of its own, autosaves an answer every second (each save one revision above the last, the whole text
sent), and between saves, after a pause to think, does one of: open a question page, open the review page, grade one
of its own cards (its share of the questions, so two learners never grade one card), or search. The learner
remembers what the server acknowledged: every grade's review-log id and idempotency key, and every autosave's
revision; `verify` then reads the database file directly.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from tests.backends import ON_POSTGRES, query
from tests.http_load import Client, NoReply, Reply, Tally

SEARCHES = ["零冗余", "ZeRO", "混合精度", "LoRA", "显存", "梯度累积", "流水线并行", "NCCL", "FP16", "Adam"]
ACTIONS = ("question", "review", "grade", "search")


@dataclass
class Ledger:
    """What the server acknowledged, and how every request went (overall and by kind)."""

    grades: dict[str, int] = field(default_factory=dict)  # idempotency key suffix ":{question}:{version}" → log id
    autosaves: dict[tuple[int, int], int] = field(default_factory=dict)  # (interview, position) → last revision
    saves_acknowledged: int = 0
    tally: Tally = field(default_factory=Tally)
    by_kind: dict[str, Tally] = field(default_factory=dict)
    rounds: int = 0

    def record(self, kind: str, reply: Reply) -> None:
        self.tally.add(reply)
        self.by_kind.setdefault(kind, Tally()).add(reply)

    def failed(self, kind: str, error: NoReply) -> None:
        self.tally.fail(error)
        self.by_kind.setdefault(kind, Tally()).fail(error)


def answer_text(learner: int, revision: int) -> str:
    """The whole answer a learner sends with `revision`: the revision can be read back from the stored text."""
    points = "要点。" * (revision % 7)
    return f"学习者 {learner} 的回答，第 {revision} 版：ZeRO-2 把梯度和优化器状态分到 N 张卡上。{points}"


@dataclass
class Learner:
    number: int
    base_url: str
    questions: list[str]  # every active question, for pages
    own: list[str]  # the questions this learner grades
    ledger: Ledger
    think_s: tuple[float, float] = (1.0, 3.0)
    autosave_s: float = 1.0
    versions: dict[str, int] = field(default_factory=dict)
    random: random.Random = field(default_factory=random.Random)

    async def run(self, stop_at: float) -> None:
        client = Client(self.base_url, timeout_s=30)
        self.random.seed(self.number)
        try:
            await self._run(client, stop_at)
        finally:
            await client.close()

    async def _run(self, client: Client, stop_at: float) -> None:
        if not await self._call("page", client.open_page("/settings")):
            return
        created = await self._call("mock_start", client.request(
            "POST", "/api/mock-interviews", json={"count": 3, "minutes": 60, "mix": {"open": 3}}))
        if created is None or created.status != 201:
            return
        self.ledger.rounds += 1
        interview = created.json()["id"]
        revision = 0
        next_save = time.perf_counter() + self.random.uniform(0, self.autosave_s)
        next_action = time.perf_counter() + self.random.uniform(*self.think_s)
        while (now := time.perf_counter()) < stop_at:
            if now < min(next_save, next_action):
                await asyncio.sleep(min(next_save, next_action, stop_at) - now)
                continue
            if now >= next_save:
                revision += 1
                await self._autosave(client, interview, 1 + revision % 3, revision)
                next_save += self.autosave_s
            else:
                await self._act(client, self.random.choice(ACTIONS))
                next_action = time.perf_counter() + self.random.uniform(*self.think_s)

    async def _call(self, kind: str, request: object) -> Reply | None:
        try:
            reply: Reply = await request  # type: ignore[misc]
        except NoReply as error:
            self.ledger.failed(kind, error)
            return None
        self.ledger.record(kind, reply)
        return reply

    async def _autosave(self, client: Client, interview: int, position: int, revision: int) -> None:
        body = {"answer": answer_text(self.number, revision), "elapsed_ms": 1000, "revision": revision}
        reply = await self._call("autosave", client.request(
            "PUT", f"/api/mock-interviews/{interview}/answers/{position}", json=body))
        if reply is not None and reply.status == 200 and not reply.json().get("stale"):
            key = (interview, position)
            self.ledger.saves_acknowledged += 1
            self.ledger.autosaves[key] = max(revision, self.ledger.autosaves.get(key, 0))

    async def _act(self, client: Client, action: str) -> None:
        if action == "question":
            await self._call("question", client.request("GET", f"/questions/{self.random.choice(self.questions)}"))
        elif action == "review":
            await self._call("review", client.request("GET", "/review"))
        elif action == "search":
            term = quote(self.random.choice(SEARCHES))
            await self._call("search", client.request("GET", f"/api/search?q={term}"))
        elif self.own:
            question = self.random.choice(self.own)
            version = self.versions.get(question, 0)
            reply = await self._call("grade", client.request(
                "POST", f"/api/review/{question}", json={"rating": 3, "reps": version}))
            if reply is not None and reply.status == 200:
                result = reply.json()
                self.ledger.grades[f":{question}:{version}"] = int(result["log_id"])
                self.versions[question] = int(result["reps"])


def active_questions(database: Path) -> list[str]:
    return [row[0] for row in query(database, "SELECT id FROM question WHERE NOT retired ORDER BY id")]


async def learners(base_url: str, questions: list[str], *, count: int, duration_s: float, ledger: Ledger,
                   think_s: tuple[float, float] = (1.0, 3.0), first: int = 0) -> None:
    """`count` learners (numbered from `first`) for `duration_s`; each grades its own share of `questions`."""
    stop_at = time.perf_counter() + duration_s
    everyone = [Learner(number=first + n, base_url=base_url, questions=questions,
                        own=questions[n::count], ledger=ledger, think_s=think_s) for n in range(count)]
    await asyncio.gather(*(learner.run(stop_at) for learner in everyone))


@dataclass
class Verdict:
    problems: list[str]
    grades_checked: int
    autosaves_checked: int
    integrity: str

    @property
    def ok(self) -> bool:
        return not self.problems and self.integrity == "ok"


def verify(database: Path, ledger: Ledger) -> Verdict:
    """From the database file: each acknowledged grade has exactly one review-log row (its own id, its key), no key
    is stored twice, each acknowledged autosave is stored (the stored revision is that one or a later one, with
    that revision's text), and SQLite's integrity check passes (PostgreSQL has none to run: "ok")."""
    problems: list[str] = []
    logs = query(database, "SELECT id, idempotency_key FROM review_log")
    answers = {(row[0], row[1]): (row[2], row[3]) for row in query(
        database, "SELECT interview_id, position, revision, answer FROM mock_answer")}
    starts = dict(query(database, "SELECT id, user_id FROM mock_interview"))
    integrity = "ok" if ON_POSTGRES else query(database, "PRAGMA integrity_check")[0][0]
    by_id = dict(logs)
    keys = [key for _id, key in logs if key]
    if len(keys) != len(set(keys)):
        problems.append(f"{len(keys) - len(set(keys))} idempotency keys stored more than once")
    for suffix, log_id in ledger.grades.items():
        matching = [key for key in keys if key.endswith(suffix)]
        if len(matching) != 1 or not (by_id.get(log_id) or "").endswith(suffix):
            problems.append(f"grade {suffix} (log {log_id}): {len(matching)} rows, log row key {by_id.get(log_id)!r}")
    for (interview, position), revision in ledger.autosaves.items():
        stored = answers.get((interview, position))
        if interview not in starts or stored is None:
            problems.append(f"autosave {interview}/{position} r{revision}: no row")
            continue
        stored_revision, text = stored
        learner = text.split(" ", 2)[1] if text.startswith("学习者 ") else ""
        if stored_revision < revision or not learner.isdigit() or text != answer_text(int(learner), stored_revision):
            problems.append(f"autosave {interview}/{position}: acknowledged r{revision}, stored r{stored_revision}")
    return Verdict(problems=problems[:20], grades_checked=len(ledger.grades), autosaves_checked=len(ledger.autosaves),
                   integrity=integrity)
