"""A real lab run that ends soon, for the tests of how PrepLab starts, queues, stores, shows and ends runs (what each
lab measures is tested lab by lab in tests/labs, and at the labs' own presets in the browser's lab pages).

The `attention` lab at a toy size: about 3 s of CPU here, most of it importing torch. A mixed-precision run at its
quick preset costs about 6 s: its first torch.optim optimizer imports torch._dynamo (torch/_compile.py,
`_disable_dynamo`; about 2.5 s) and it times 512³ matmuls in three dtypes (about 1.2 s)."""

from __future__ import annotations

SHORT_LAB = "attention"
SHORT_RUN = {"seq_lens": "64,128", "heads": "2", "head_dim": "8", "repeats": "1"}
