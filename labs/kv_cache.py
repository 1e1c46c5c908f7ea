"""KV 缓存：每个 token 多少字节 — MHA, GQA and MQA decoders built from LlamaConfig, random weights, no download.

    python -m labs run kv-cache --device cpu                        # tiny fp32 decoders, a few seconds
    python -m labs run kv-cache --device cuda --out kv.json         # Llama-2-7B shape (32 layers) ×3 + floor model
    python -m labs run kv-cache --device cuda --set kv_heads=32,4 --set prompt_len=2048 --set floor=false

Per variant (same shape, only num_key_value_heads differs): prefill a batch of prompts into a transformers
DynamicCache and read its tensors' bytes (and the CUDA allocator's growth) against 2·L·n_kv·d_head·bytes per
token; decode greedily with the cache and, for the same tokens, without it (every step re-runs the whole prefix);
compare the logits of the two. On the GPU, a model with 405B-sized layers decodes at batch 1, 8 and 64: the step's
matrix products (every Linear's weight read once, F.linear at the decode batch) take about weight bytes ÷ the
measured copy bandwidth — the memory-bound floor; the table puts the whole HF step beside it (bytes ÷ bandwidth or
FLOPs ÷ the measured peak, whichever is larger) and the rest of the step's time.
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import os
from collections.abc import Iterator
from typing import Any

import torch
import torch.nn.functional as F

from labs import formulas
from labs.core.memory import cuda_allocated
from labs.core.schema import Chart, Check, Series, Table
from labs.core.timing import copy_bandwidth, matmul_peak_flops, time_ms
from labs.specs.kv_cache import SPEC, kv_heads_list

DTYPES = {"bf16": torch.bfloat16, "fp32": torch.float32}


@contextlib.contextmanager
def _default_dtype(dtype: torch.dtype) -> Iterator[None]:
    """Build modules directly in `dtype` (no fp32 copy first: the floor model is 20 GB in bf16)."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(before)


def _model(*, hidden: int, layers: int, heads: int, kv_heads: int, intermediate: int, vocab: int, p: dict,
           device: str) -> Any:
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                         num_key_value_heads=kv_heads, intermediate_size=intermediate, vocab_size=vocab,
                         max_position_embeddings=p["prompt_len"] + p["new_tokens"] + 8, tie_word_embeddings=False,
                         attn_implementation="sdpa")
    torch.manual_seed(p["seed"])
    with _default_dtype(DTYPES[p["dtype"]]), torch.device(device):
        return LlamaForCausalLM(config).eval()


class Decoder:
    """Calls a transformers causal LM the same way across versions (the cache argument was renamed in 5.x)."""

    def __init__(self, model: Any):
        from transformers import DynamicCache

        self.model, self._new_cache = model, DynamicCache
        names = inspect.signature(model.forward).parameters
        self.cache_arg = "cache" if "cache" in names else "past_key_values"
        self.last_only = {"logits_to_keep": 1} if "logits_to_keep" in names else {}

    def new_cache(self) -> Any:
        try:
            return self._new_cache(config=self.model.config)
        except TypeError:  # releases before the cache took a config
            return self._new_cache()

    def step(self, tokens: torch.Tensor, cache: Any) -> torch.Tensor:
        """Logits of the last position; the cache grows by tokens.shape[1]."""
        kwargs = {self.cache_arg: cache, **self.last_only}
        return self.model(input_ids=tokens, use_cache=True, **kwargs).logits[:, -1].float()

    def full(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits of the last position recomputed from the whole sequence, no cache."""
        return self.model(input_ids=tokens, use_cache=False, **self.last_only).logits[:, -1].float()


def cache_bytes(cache: Any) -> int:
    """Bytes of every key and value tensor the cache holds (DynamicCache.layers in transformers ≥ 4.56)."""
    layers = getattr(cache, "layers", None)
    tensors = ([t for layer in layers for t in (layer.keys, layer.values)] if layers is not None
               else [*cache.key_cache, *cache.value_cache])
    return sum(t.numel() * t.element_size() for t in tensors if isinstance(t, torch.Tensor))


def _free(device: str) -> None:
    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()


@torch.inference_mode()
def measure_variant(p: dict, kv_heads: int, device: str) -> dict[str, Any]:
    model = _model(hidden=p["hidden"], layers=p["layers"], heads=p["heads"], kv_heads=kv_heads,
                   intermediate=p["intermediate"], vocab=p["vocab_size"], p=p, device=device)
    decoder = Decoder(model)
    generator = torch.Generator().manual_seed(p["seed"])
    prompt = torch.randint(p["vocab_size"], (p["batch"], p["prompt_len"]), generator=generator).to(device)
    decoder.full(prompt)  # warm-up: kernels chosen, cuBLAS workspace allocated, before the allocator is read

    cache = decoder.new_cache()
    before = cuda_allocated(device)
    token = decoder.step(prompt, cache).argmax(-1, keepdim=True)
    after = cuda_allocated(device)
    prefill_bytes = cache_bytes(cache)

    def decode_with_cache() -> None:
        nonlocal token
        for _ in range(p["new_tokens"]):
            logits = decoder.step(token, cache)
            cached_logits.append(logits)
            token = logits.argmax(-1, keepdim=True)
            tokens.append(token)

    cached_logits: list[torch.Tensor] = []
    tokens = [token]
    cached_ms = time_ms(decode_with_cache, device, repeats=1, warmup=0)
    final_bytes = cache_bytes(cache)
    sequence = torch.cat([prompt, *tokens[:-1]], dim=1)  # the same tokens, fed without a cache
    full_logits = []

    def decode_without_cache() -> None:
        for step in range(p["new_tokens"]):
            full_logits.append(decoder.full(sequence[:, : p["prompt_len"] + step + 1]))

    uncached_ms = time_ms(decode_without_cache, device, repeats=1, warmup=0)
    cosine = float(F.cosine_similarity(torch.cat(cached_logits).flatten().double(),
                                       torch.cat(full_logits).flatten().double(), dim=0))
    weight_bytes = sum(q.numel() * q.element_size() for name, q in model.named_parameters() if "embed" not in name)
    result = {"kv_heads": kv_heads, "prefill_bytes": prefill_bytes, "final_bytes": final_bytes,
              "allocator_bytes": None if before is None or after is None else after - before,
              "cached_ms": cached_ms, "uncached_ms": uncached_ms, "cosine": cosine, "weight_bytes": weight_bytes,
              "element_size": next(model.parameters()).element_size()}
    return result  # the model and its cache go with this frame; the caller frees the allocator's cache


@torch.inference_mode()
def measure_floor(p: dict, device: str) -> dict[str, Any]:
    """Decode steps of a model whose layers are so large that reading the weights dominates, at several batches."""
    model = _model(hidden=p["floor_hidden"], layers=p["floor_layers"], heads=p["floor_heads"],
                   kv_heads=p["floor_kv_heads"], intermediate=p["floor_intermediate"], vocab=p["floor_vocab_size"],
                   p=p, device=device)
    decoder = Decoder(model)
    weight_bytes = sum(q.numel() * q.element_size() for name, q in model.named_parameters() if "embed" not in name)
    matmul_weights = sum(q.numel() for name, q in model.named_parameters() if q.dim() == 2 and "embed" not in name)
    steps = []
    for batch in kv_heads_list(p["floor_batches"]):
        prompt = torch.randint(p["floor_vocab_size"], (batch, p["floor_prompt_len"]),
                               generator=torch.Generator().manual_seed(batch))
        cache = decoder.new_cache()
        token = decoder.step(prompt.to(device), cache).argmax(-1, keepdim=True)
        for _ in range(3):  # warm-up steps
            token = decoder.step(token, cache).argmax(-1, keepdim=True)
        start_bytes = cache_bytes(cache)

        def decode(cache: Any = cache) -> None:
            nonlocal token
            for _ in range(p["new_tokens"]):
                token = decoder.step(token, cache).argmax(-1, keepdim=True)

        step_ms = time_ms(decode, device, repeats=1, warmup=0) / p["new_tokens"]
        mean_cache = (start_bytes + cache_bytes(cache)) / 2  # every step reads the whole cache once
        steps.append({"batch": batch, "step_ms": step_ms, "cache_bytes": mean_cache,
                      "flops": 2 * matmul_weights * batch})
        del cache
    # the step's matrix products alone: every Linear's weight read once through F.linear, in the model's order
    weights = [m.weight for m in model.modules() if isinstance(m, torch.nn.Linear)]
    linear_bytes = sum(w.numel() * w.element_size() for w in weights)
    for step in steps:
        inputs = {w.shape[1]: torch.randn(step["batch"], w.shape[1], device=device, dtype=w.dtype) for w in weights}

        def weight_reads(inputs: dict = inputs) -> None:
            for w in weights:
                F.linear(inputs[w.shape[1]], w)

        step["weight_read_ms"] = time_ms(weight_reads, device, repeats=5, warmup=2)
    params = sum(q.numel() for q in model.parameters())
    return {"steps": steps, "weight_bytes": weight_bytes, "linear_bytes": linear_bytes, "params": params}


def run(params: dict, ctx: Any):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # models are built from configs: nothing to download
    device, p = ctx.device, params
    head_dim = p["hidden"] // p["heads"]
    element = torch.finfo(DTYPES[p["dtype"]]).bits // 8
    ctx.progress("显存带宽", 0.02)
    bandwidth = copy_bandwidth(device, nbytes=2**32 if device == "cuda" else 2**28)
    variants = kv_heads_list(p["kv_heads"])
    results = []
    for index, kv_heads in enumerate(variants):
        ctx.progress(f"n_kv = {kv_heads}", 0.05 + 0.6 * index / len(variants))
        results.append(measure_variant(p, kv_heads, device))
        _free(device)

    checks, rows = [], []
    tokens_prefill = p["batch"] * p["prompt_len"]
    for r in results:
        kind = "MHA" if r["kv_heads"] == p["heads"] else "MQA" if r["kv_heads"] == 1 else "GQA"
        predicted = formulas.kv_cache_bytes_per_token(p["layers"], r["kv_heads"], head_dim, element)
        measured = r["prefill_bytes"] / tokens_prefill
        checks.append(Check.compare(f"{kind}（n_kv={r['kv_heads']}）缓存字节/token = 2·L·n_kv·d_head·{element} = "
                                    f"2·{p['layers']}·{r['kv_heads']}·{head_dim}·{element}", predicted, measured,
                                    unit="bytes/token", tolerance=0.0))
        if r["allocator_bytes"] is not None:
            checks.append(Check.compare(f"{kind}：prefill 后 CUDA 分配器增长 = 缓存字节（{tokens_prefill} 个 token）",
                                        predicted * tokens_prefill, r["allocator_bytes"], unit="bytes", tolerance=0.02))
        new = p["batch"] * p["new_tokens"]
        step_floor_ms = (r["weight_bytes"] + r["final_bytes"]) / bandwidth * 1e3
        rows.append([kind, r["kv_heads"], predicted, measured, r["final_bytes"], r["allocator_bytes"],
                     round(new / (r["cached_ms"] / 1e3), 1), round(new / (r["uncached_ms"] / 1e3), 1),
                     round(r["uncached_ms"] / r["cached_ms"], 2), round(r["cached_ms"] / p["new_tokens"], 3),
                     round(step_floor_ms, 3), r["cosine"]])
    growth = results[0]["final_bytes"] / results[0]["prefill_bytes"]
    checks.append(Check.compare(f"缓存随长度线性增长：{p['prompt_len']} → "
                                f"{p['prompt_len'] + p['new_tokens']} 个 token，"
                                "字节数之比 = 长度之比", (p["prompt_len"] + p["new_tokens"]) / p["prompt_len"], growth,
                                unit="×", tolerance=0.0))
    worst = min(r["cosine"] for r in results)
    checks.append(Check.compare("有缓存的解码与每步重算整个前缀得到同样的 logits（余弦相似度 = 1，取最小）", 1.0, worst,
                                unit="cosine", tolerance=2e-3 if p["dtype"] == "bf16" else 1e-5))

    floor_rows = []
    if p["floor"] and device == "cuda":
        ctx.progress("带宽下限（大层，batch 1…64）", 0.75)  # version 2: the check times the weight reads
        peak = matmul_peak_flops(device, size=8192)
        f = measure_floor(p, device)
        _free(device)
        for step in f["steps"]:
            bytes_read = f["weight_bytes"] + step["cache_bytes"]
            memory_ms = formulas.decode_floor_seconds(bytes_read, bandwidth) * 1e3
            compute_ms = step["flops"] / peak * 1e3
            step.update(floor_ms=max(memory_ms, compute_ms),
                        weight_floor_ms=formulas.decode_floor_seconds(f["linear_bytes"], bandwidth) * 1e3)
            floor_rows.append([step["batch"], f["params"], round(bytes_read), round(memory_ms, 3), round(compute_ms, 3),
                               round(step["weight_read_ms"], 3),
                               round(f["linear_bytes"] / (step["weight_read_ms"] / 1e3) / 1e12, 3),
                               round(step["step_ms"], 3), round(step["step_ms"] / step["batch"], 4),
                               round(bytes_read / (step["step_ms"] / 1e3) / 1e12, 3),
                               round(step["step_ms"] - step["weight_read_ms"], 3)])
        first = f["steps"][0]
        checks.append(Check.compare(
            f"batch {first['batch']} 解码受显存带宽限制：一步的矩阵乘（模型每个 Linear 的权重各读一次，"
            f"{f['linear_bytes'] / 1e9:.2f} GB）耗时 ≈ 权重字节 ÷ 实测带宽（{bandwidth / 1e12:.2f} TB/s）；容差 30%",
            first["weight_floor_ms"], first["weight_read_ms"], unit="ms", tolerance=0.3))

    presets = [(name, formulas.PRESETS[name]) for name in ("llama-2-7b", "llama-2-70b", "llama-3-8b", "llama-3-70b",
                                                           "qwen2.5-7b")]
    preset_rows = [[name, s.layers, s.heads, s.kv_heads, s.head_dim, formulas.kv_cache_bytes_per_token(
        s.layers, s.kv_heads, s.head_dim), round(formulas.kv_cache_bytes(s, 1, 4096) / 2**30, 3),
        round(formulas.kv_cache_bytes(s, 32, 8192) / 2**30, 2)] for name, s in presets]
    tables = [
        Table(title=f"MHA / GQA / MQA（L={p['layers']}, h={p['hidden']}, a={p['heads']}, batch {p['batch']}, "
                    f"prompt {p['prompt_len']}, +{p['new_tokens']} tokens, {p['dtype']}）", columns=[
            "variant", "kv_heads", "bytes_per_token_predicted", "bytes_per_token", "cache_bytes_final",
            "cuda_allocator_delta_bytes", "tokens_per_sec_cached", "tokens_per_sec_uncached", "speedup_x",
            "step_ms_cached", "step_floor_ms", "logits_cosine"], rows=rows),
        Table(title="真实模型的 KV 缓存（公式，bf16）", columns=[
            "model", "layers", "heads", "kv_heads", "head_dim", "bytes_per_token", "gib_1x4096", "gib_32x8192"],
            rows=preset_rows),
    ]
    if floor_rows:
        tables.append(Table(title=f"解码的屋顶线下限：{p['floor_layers']} 层 × (h={p['floor_hidden']}, "
                                  f"MLP {p['floor_intermediate']}, {p['floor_heads']}/{p['floor_kv_heads']} 头)，"
                                  f"提示 {p['floor_prompt_len']} token", columns=[
            "batch", "params", "bytes_read_per_step", "memory_floor_ms", "compute_floor_ms", "weight_read_ms",
            "weight_read_tb_per_s", "hf_step_ms", "hf_ms_per_token", "hf_achieved_tb_per_s",
            "hf_other_ms"], rows=floor_rows))
    names = [row[0] for row in rows]
    charts = [
        Chart(title="每个 token 的缓存字节：公式 vs 实测（KiB）", kind="bar", x=names, x_label="variant", y_label="KiB",
              series=[Series(name="2·L·n_kv·d·bytes", values=[row[2] / 1024 for row in rows], unit="KiB"),
                      Series(name="实测", values=[row[3] / 1024 for row in rows], unit="KiB")]),
        Chart(title="解码吞吐：有缓存 vs 无缓存（tokens/s）", kind="bar", x=names, x_label="variant",
              y_label="tokens/s", series=[Series(name="cached", values=[row[6] for row in rows], unit="tokens/s"),
                                          Series(name="no cache", values=[row[7] for row in rows],
                                                 unit="tokens/s")]),
    ]
    notes = [
        f"实测带宽 = 一次 {'4 GiB' if device == 'cuda' else '256 MiB'} 设备内拷贝的（读 + 写）字节 / 时间 = "
        f"{bandwidth / 1e9:.1f} GB/s；下限 = 每步必须读的字节（除 embedding 外的全部权重、整个缓存）÷ 该带宽。",
        "无缓存的解码每一步都把整个前缀重新前向一遍（同样的 token，teacher forcing），所以它的时间随长度增长；"
        "有缓存时每步只算 1 个新 token，读一遍权重和缓存。",
        "step_floor_ms（权重 + 缓存 ÷ 带宽）对 7B 形状模型远低于 HF 的实测步时：HF eager 的一步除了读权重的矩阵乘，"
        "还有每层几十个小算子、Python 与框架开销。下限的检查因此量一步里必须做的部分："
        "大层模型（Llama-3.1-405B 的层形状）的每个 Linear 以解码的 batch 各做一次 F.linear（weight_read_ms），"
        "它读完全部权重；hf_other_ms = HF 步时 − 这部分。",
        "batch 1…64 的 weight_read_ms 几乎不变：受带宽限制时多解几条序列几乎不花时间"
        "（直到 FLOPs ÷ 峰值追上字节 ÷ 带宽）。",
        "模型都由 LlamaConfig 随机初始化（未下载权重），只改 num_key_value_heads：MHA = 头数（Llama-2-7B），"
        "GQA = 8（Llama-2-70B、Llama-3），MQA = 1（PaLM、Falcon）。",
    ]
    if device == "cpu":
        notes.append("CPU 上不测带宽下限（小模型在缓存里，时间由开销决定）；CPU 上的吞吐只作参照。")
    return ctx.result(SPEC, p, tables=tables, charts=charts, checks=checks, notes=notes)
