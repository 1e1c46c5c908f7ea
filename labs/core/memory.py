"""Memory accounting the labs share: bytes autograd saves for backward, bytes a forward pass leaves alive, allocator.

Two exact, device-independent measures (they count tensor storages, so they work on the CPU too):
- `SavedTensors`: torch.autograd.graph.saved_tensors_hooks sees every tensor an op saves for its backward.
- `LiveStorages`: a TorchDispatchMode that notes each storage an op creates and, afterwards, which are still alive —
  whatever keeps them (autograd, a checkpoint's saved inputs, selective checkpointing's cache).
Each storage counts once, however many views of it are saved.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.multiprocessing.reductions import StorageWeakRef
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves


def _storage(tensor: torch.Tensor) -> torch.UntypedStorage:
    return tensor.untyped_storage()


class SavedTensors:
    """Bytes of the distinct storages autograd saves for backward inside the `with` block (parameters excluded)."""

    def __init__(self, exclude: Any = ()):
        self._excluded = {_storage(t).data_ptr() for t in exclude}
        self.storages: dict[int, tuple[int, torch.dtype, tuple[int, ...]]] = {}
        self._hooks = torch.autograd.graph.saved_tensors_hooks(self._pack, lambda tensor: tensor)

    def _pack(self, tensor: torch.Tensor) -> torch.Tensor:
        storage = _storage(tensor)
        if storage.data_ptr() not in self._excluded and storage.nbytes() > 0:
            self.storages[storage.data_ptr()] = (storage.nbytes(), tensor.dtype, tuple(tensor.shape))
        return tensor

    def __enter__(self) -> SavedTensors:
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._hooks.__exit__(*exc)

    @property
    def bytes(self) -> int:
        return sum(nbytes for nbytes, _, _ in self.storages.values())


class LiveStorages(TorchDispatchMode):
    """Bytes of the storages created inside the `with` block that are still alive when asked (`alive_bytes`)."""

    def __init__(self) -> None:
        super().__init__()
        self._created: dict[int, tuple[StorageWeakRef, int]] = {}

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        out = func(*args, **(kwargs or {}))
        inputs = {_storage(t).data_ptr() for t in tree_leaves((args, kwargs)) if isinstance(t, torch.Tensor)}
        for tensor in tree_leaves(out):
            if not isinstance(tensor, torch.Tensor):
                continue
            storage = _storage(tensor)
            # views and in-place results share an input's storage: not a new allocation
            if storage.data_ptr() in inputs or storage.nbytes() == 0:
                continue
            self._created[storage.data_ptr()] = (StorageWeakRef(storage), storage.nbytes())
        return out

    def alive_bytes(self, exclude: Any = ()) -> int:
        """Bytes still alive, leaving out the storages of `exclude` (e.g. the forward's output, which you hold)."""
        excluded = {_storage(t).data_ptr() for t in exclude}
        return sum(nbytes for ptr, (ref, nbytes) in self._created.items() if not ref.expired() and ptr not in excluded)


def cuda_allocated(device: str) -> int | None:
    """torch.cuda.memory_allocated after a synchronize, or None off the GPU."""
    if device != "cuda":
        return None
    torch.cuda.synchronize()
    return torch.cuda.memory_allocated()


def reset_cuda_peak(device: str) -> int | None:
    """Empty the cache, reset the peak and return the bytes allocated now (the baseline for a peak delta)."""
    if device != "cuda":
        return None
    torch.cuda.synchronize()
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    return torch.cuda.memory_allocated()


def cuda_peak_delta(device: str, baseline: int | None) -> int | None:
    if device != "cuda" or baseline is None:
        return None
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() - baseline
