"""Command line for the labs.

    python -m labs list [--json]
    python -m labs run zero-memory --device cpu
    python -m labs run mixed-precision --device cuda --set steps=200 --out result.json
    torchrun --nproc-per-node 2 -m labs run zero-memory --device cuda --out zero.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from labs import registry
from labs.core.spec import LabSpec, ParamError
from labs.registry import LabNotFound, load


def _spec_json(spec: LabSpec) -> dict[str, Any]:
    described = dataclasses.asdict(spec)
    described["params"] = [dataclasses.asdict(param) for param in spec.params]
    for function in ("validate", "estimate_bytes"):  # functions: nothing to describe
        described.pop(function, None)
    return described


def list_labs() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for lab_id in registry.LABS:
        try:
            entries.append(_spec_json(registry.load_spec(lab_id)))
        except LabNotFound as error:
            entries.append({"id": lab_id, "error": str(error)})
    return entries


def _print_list(entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        if "error" in entry:
            print(f"{entry['id']}  (unavailable: {entry['error']})")
            continue
        flag = "  [distributed]" if entry["distributed"] else ""
        print(f"{entry['id']}  {entry['title_zh']} / {entry['title_en']}{flag}")
        print(f"    concepts: {', '.join(entry['concepts'])}")
        for param in entry["params"]:
            bounds = ""
            if param["choices"] is not None:
                bounds = f" one of {list(param['choices'])}"
            elif param["minimum"] is not None or param["maximum"] is not None:
                bounds = f" in [{param['minimum']}, {param['maximum']}]"
            print(f"    --set {param['name']}={param['default']}  ({param['type']}{bounds})  {param['help_zh']}")
        print(f"    cpu size: {entry['cpu_size']}  gpu size: {entry['gpu_size']}")


def _parse_sets(pairs: list[str]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ParamError(f"--set expects name=value, got {pair!r}")
        overrides[name.strip()] = value.strip()
    return overrides


def _reproducible(argv: list[str]) -> list[str]:
    """The command line as a learner would retype it: without the server's --parent-fd."""
    kept, skip = [], False
    for item in argv:
        if skip:
            skip = False
        elif item == "--parent-fd":
            skip = True
        elif not item.startswith("--parent-fd="):
            kept.append(item)
    return kept


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m labs", description="PrepLab labs: run an experiment, get JSON")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="the registered labs with their parameters")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    running = commands.add_parser("run", help="run one lab and write its result as JSON")
    running.add_argument("lab")
    running.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    running.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE")
    running.add_argument("--out", type=Path, help="write the JSON here (default: stdout)")
    running.add_argument("--parent-fd", type=int, help="exit, with every process of this group, when this pipe "
                         "reaches end-of-file (PrepLab's server passes it: the run dies with the server)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        entries = list_labs()
        if args.json:
            print(json.dumps(entries, ensure_ascii=False, indent=2))
        else:
            _print_list(entries)
        return 0

    if args.parent_fd is not None:
        from labs.core.watchdog import watch_parent

        watch_parent(args.parent_fd)
    from labs.core.runner import resolve_device, run_lab

    try:
        module = load(args.lab)
        device = resolve_device(args.device)
        params = module.SPEC.resolve(device, _parse_sets(args.sets))
    except (LabNotFound, ParamError, RuntimeError) as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    result = run_lab(module, params, device, argv=_reproducible(sys.argv if argv is None else ["labs", *argv]))
    if result is None:  # a rank other than 0
        return 0
    text = result.model_dump_json(indent=2)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
        sys.stderr.write(json.dumps({"progress": 1.0, "message": f"wrote {args.out}"}, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(text + "\n")
    return 0 if result.status == "ok" else 1
