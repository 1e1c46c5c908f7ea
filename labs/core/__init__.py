"""The small core every lab shares: result schema, spec, environment, timing, memory, distributed helpers."""
