"""A generated bank of 10,000 questions for the search benchmark: the imported content copied over and over, each
copy a new question (its own id, bank position, concept tags, key points and choices) whose prompt joins its
source's prompt with another question's title, so the index holds 10,000 distinct documents of real text."""

from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

from sqlmodel import Session

from app.db import make_engine
from app.search.index import rebuild_index

TOTAL = 10_000


def generated_database(template: Path, path: Path, total: int = TOTAL) -> Path:
    shutil.copyfile(template, path)
    chooser = random.Random(11)
    with sqlite3.connect(path) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(question)")]
        rows = connection.execute(f"SELECT {', '.join(columns)} FROM question WHERE retired = 0").fetchall()
        titles = [row[columns.index("title")] for row in rows]
        concepts = connection.execute("SELECT question_id, concept_id, position FROM question_concept").fetchall()
        points = connection.execute("SELECT question_id, position, text FROM key_point").fetchall()
        choices = connection.execute("SELECT question_id, position, label, text, correct FROM choice").fetchall()
        copies = (total - len(rows)) // len(rows) + 1
        made = len(rows)
        for copy in range(1, copies + 1):
            for row in rows:
                if made >= total:
                    break
                values = dict(zip(columns, row, strict=True))
                source = values["id"]
                values["id"] = f"{source}-g{copy}"
                values["position"] = values["position"] + copy * 1000
                values["prompt"] = f"{values['prompt']}\n\n（另见：{chooser.choice(titles)}）"
                values["content_hash"] = f"generated-{copy}-{source}"
                connection.execute(f"INSERT INTO question ({', '.join(columns)}) VALUES "
                                   f"({', '.join('?' for _ in columns)})", [values[name] for name in columns])
                connection.executemany("INSERT INTO question_concept VALUES (?, ?, ?)",
                                       [(values["id"], c, p) for q, c, p in concepts if q == source])
                connection.executemany("INSERT INTO key_point (question_id, position, text) VALUES (?, ?, ?)",
                                       [(values["id"], p, t) for q, p, t in points if q == source])
                connection.executemany("INSERT INTO choice (question_id, position, label, text, correct) "
                                       "VALUES (?, ?, ?, ?, ?)",
                                       [(values["id"], p, label, t, c) for q, p, label, t, c in choices if q == source])
                made += 1
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        rebuild_index(session)
        session.commit()
    engine.dispose()
    return path
