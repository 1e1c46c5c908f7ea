"""Lab specs: what each lab declares (id, titles, concepts, parameters), importable without torch."""
