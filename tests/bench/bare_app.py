"""The baseline for web benchmarks: a bare FastAPI endpoint returning a constant, served the same way."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/constant")
def constant() -> dict[str, str]:
    return {"ok": "yes"}
