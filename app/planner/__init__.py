"""The memory planner: per-GPU bytes to train or serve a model, from the labs' own formulas (labs/formulas.py)."""
