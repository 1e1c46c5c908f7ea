"""The one YAML loader PrepLab parses with: PyYAML's safe loader, in C (libyaml) when PyYAML was built with it (the
PyPI wheels are), else the pure-Python one. Same documents, same marks (line and column) for error messages; the C
one parses content/ several times faster."""

from __future__ import annotations

import yaml

SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
