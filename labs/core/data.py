"""Synthetic training data the labs share: token sequences with a pattern a small model can learn."""

from __future__ import annotations

import torch


def permutation_batches(*, vocab_size: int, batch_size: int, seq_len: int, steps: int, seed: int,
                        device: str) -> list[torch.Tensor]:
    """`steps` batches of `seq_len + 1` tokens where next = perm[current] from random starts (fixed by `seed`)."""
    generator = torch.Generator().manual_seed(seed)
    permutation = torch.randperm(vocab_size, generator=generator)
    batches = []
    for _ in range(steps):
        tokens = torch.empty(batch_size, seq_len + 1, dtype=torch.long)
        tokens[:, 0] = torch.randint(vocab_size, (batch_size,), generator=generator)
        for t in range(1, seq_len + 1):
            tokens[:, t] = permutation[tokens[:, t - 1]]
        batches.append(tokens.to(device))
    return batches
