"""Runnable reference solutions to the banks' coding questions (`kind: code`), one readable module per question.

Each solution module names its question (`QUESTION_ID`), says in its docstring what the document's snippet got
wrong, lists those defects for the question page (`ORIGINAL_DEFECTS`, Chinese) and has a `main()` that runs a
small, deterministic, CPU-only version in seconds. `python -m solutions run --all --write` runs every solution
and every original snippet and stores what happened in `solutions/results/<question-id>.json`, which the app
shows on the question page. Solution modules never import `app`.
"""
