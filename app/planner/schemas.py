"""The planner's JSON (GET /api/memory-plan and `preplab plan --json`): the parameter count and every term in bytes,
and the `preplab plan` command line that gives the same plan."""

from __future__ import annotations

import shlex
from dataclasses import asdict
from typing import Any

from app.planner.inputs import FIELD_BY_NAME, PlanInput
from app.planner.service import Plan, Term


def _term(term: Term) -> dict[str, Any]:
    return {"key": term.key, "bytes": round(term.bytes), "formula": term.formula, "detail": term.detail,
            "labs": [f"/labs/{lab}" for lab in term.labs]}


def plan_json(plan: Plan) -> dict[str, Any]:
    shape = plan.shape
    return {
        "input": asdict(plan.input),
        "model": {"name": shape.name, "params": plan.params, "trainable_params": plan.trainable,
                  "hidden": shape.hidden, "layers": shape.layers, "heads": shape.heads, "kv_heads": shape.kv_heads,
                  "head_dim": shape.head_dim, "intermediate": shape.intermediate, "vocab": shape.vocab,
                  "mlp": shape.mlp, "source": shape.source},
        "gpus": plan.gpus,
        "per_gpu_bytes": {**{term.key: round(term.bytes) for term in plan.terms}, "total": round(plan.total_bytes)},
        "cpu_bytes_per_gpu": {term.key: round(term.bytes) for term in plan.cpu_terms},
        "subtotal_bytes": round(plan.subtotal_bytes),
        "total_bytes": round(plan.total_bytes),
        "terms": [_term(term) for term in plan.terms],
        "cpu_terms": [_term(term) for term in plan.cpu_terms],
        "activations": {key: round(value) for key, value in plan.activation_detail.items()},
        "training_flops_per_token": plan.flops_per_token,
        "fits": [{"gpu": fit.gpu, "label": fit.label, "capacity_bytes": round(fit.capacity_bytes),
                  "fits": fit.fits, "headroom_bytes": round(fit.headroom_bytes)} for fit in plan.fits],
        "verdict": {"gpu": plan.chosen.gpu, "fits": plan.chosen.fits,
                    "headroom_bytes": round(plan.chosen.headroom_bytes)},
        "notes": plan.notes,
        "command": command_line(plan.input),
    }


def command_line(values: PlanInput) -> str:
    """`preplab plan MODEL --option value …` for the options that differ from the defaults."""
    words = ["preplab", "plan", values.model]
    for name, text in values.query().items():
        if name == "model":
            continue
        flag = "--" + name.replace("_", "-")
        if FIELD_BY_NAME[name].kind == "bool":
            words.append(flag if text else f"--no-{name.replace('_', '-')}")
        else:
            words += [flag, text]
    return " ".join(shlex.quote(word) for word in words)
