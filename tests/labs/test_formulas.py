"""labs/formulas.py: torch-free, the published numbers, and the reference results it predicts (within 5%)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from labs import formulas
from labs.formulas import PRESETS, ModelShape

RESULTS = Path(__file__).resolve().parents[2] / "labs" / "results"


def _results(lab: str) -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(RESULTS.glob(f"{lab}_*.json"))]


def _rows(table: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(zip(table["columns"], row, strict=True)) for row in table["rows"]]


def _table(result: dict[str, Any], column: str) -> dict[str, Any]:
    return next(table for table in result["tables"] if column in table["columns"])


def test_formulas_and_the_new_specs_import_without_torch() -> None:
    # A fresh interpreter: other tests of this run may have imported torch already.
    probe = ("import sys, labs.formulas, labs.registry as r; [r.load_spec(i) for i in r.LABS]; "
             "assert 'torch' not in sys.modules, 'torch was imported'")
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr


@pytest.mark.parametrize(("name", "params"), [
    ("gpt2", 124_439_808), ("llama-2-7b", 6_738_415_616), ("llama-2-13b", 13_015_864_320),
    ("llama-2-70b", 68_976_648_192), ("llama-3-8b", 8_030_261_248), ("llama-3-70b", 70_553_706_496),
    ("qwen2.5-7b", 7_615_616_512)])
def test_preset_parameter_counts_are_the_published_ones(name: str, params: int) -> None:
    assert formulas.param_count(PRESETS[name]) == params


def test_zero_paper_example() -> None:
    per_device = formulas.zero_model_state_bytes(7.5e9, 64)
    assert [round(per_device[stage] / 1e9, 1) for stage in (0, 1, 2, 3)] == [120.0, 31.4, 16.6, 1.9]


def test_korthikanti_table_2() -> None:
    s, b, h, a, t = 2048, 1, 12288, 96, 8  # GPT-3 175B's layer, tensor parallel 8
    sbh = s * b * h
    assert formulas.activation_bytes_per_layer(s, b, h, a) == sbh * (34 + 5 * a * s / h)
    assert formulas.activation_bytes_per_layer(s, b, h, a, tensor_parallel=t) == pytest.approx(
        sbh * (10 + 24 / t + 5 * a * s / (h * t)))
    assert formulas.activation_bytes_per_layer(s, b, h, a, tensor_parallel=t, sequence_parallel=True) == \
        pytest.approx(sbh / t * (34 + 5 * a * s / h))
    assert formulas.activation_bytes_per_layer(s, b, h, a, recompute="selective", tensor_parallel=t,
                                               sequence_parallel=True) == pytest.approx(sbh * 34 / t)
    assert formulas.activation_bytes_per_layer(s, b, h, a, recompute="full") == 2 * sbh
    assert formulas.activation_bytes_per_layer(s, b, h, a, dropout=False) == sbh * (32 + 2 * a * s / h)


def test_kv_cache_of_llama_2_7b_is_half_a_mebibyte_per_token() -> None:
    shape = PRESETS["llama-2-7b"]
    assert formulas.kv_cache_bytes_per_token(shape.layers, shape.kv_heads, shape.head_dim) == 2**19
    assert formulas.kv_cache_bytes(shape, batch=1, seq_len=4096) == 2 * 2**30


def test_training_time_follows_from_mfu() -> None:
    per_token = formulas.training_flops_per_token(PRESETS["llama-2-7b"], 4096, attention=False)
    assert per_token == 6 * formulas.matmul_params(PRESETS["llama-2-7b"])
    seconds = formulas.training_time_seconds(per_token, 2e12, gpus=1000, peak_flops_per_second=1e15, utilisation=0.5)
    assert seconds == pytest.approx(per_token * 2e12 / 5e17)
    assert formulas.mfu(per_token, 1e4, 1e15) == pytest.approx(per_token * 1e4 / 1e15)


# ---------------------------------------------------------------- the reference results in labs/results/

@pytest.mark.parametrize("result", _results("zero-memory"), ids=lambda r: r["env"]["device_name"])
def test_zero_stage_bytes_match_the_zero_memory_reference(result: dict[str, Any]) -> None:
    p, n = result["params"], result["env"]["world_size"]
    psi = p["layers"] * (p["hidden"] ** 2 + p["hidden"])
    paper = formulas.zero_model_state_bytes(psi, n)
    fsdp2 = formulas.zero_model_state_bytes(psi, n, grad_bytes=4)  # FSDP2 keeps fp32 gradient shards
    measured = {int(row["阶段"][-1]): row["实测合计 bytes"] for row in _rows(result["tables"][0])}
    for stage, predicted in {0: paper[0], 1: paper[1], 2: fsdp2[2], 3: paper[3]}.items():
        assert measured[stage] == pytest.approx(predicted, rel=0.05), stage


def _lora_shape(p: dict[str, Any]) -> ModelShape:
    return ModelShape("lora", hidden=p["d_model"], layers=p["n_layer"], heads=p["n_head"], kv_heads=p["n_head"],
                      intermediate=p["d_ff"], vocab=p["vocab_size"])


@pytest.mark.parametrize("result", _results("lora"), ids=lambda r: r["env"]["device_name"])
def test_lora_counts_match_the_lora_reference(result: dict[str, Any]) -> None:
    shape, targets = _lora_shape(result["params"]), result["params"]["target_modules"].split(",")
    for row in _rows(result["tables"][0]):
        rank = row["rank"]
        predicted = formulas.param_count(shape) if rank == 0 else formulas.lora_params_for(shape, rank, targets)
        assert row["trainable_params"] == pytest.approx(predicted, rel=0.05)
        assert row["adam_state_bytes"] == pytest.approx(formulas.adam_state_bytes(predicted), rel=0.05)
        assert row["file_bytes"] == pytest.approx(formulas.FP32_BYTES * predicted, rel=0.05)


def _gpt_shape(p: dict[str, Any]) -> ModelShape:
    """The mixed-precision lab's GPT: LayerNorm, biases on every linear, learned positions, an untied bias-free head."""
    return ModelShape("mp-gpt", hidden=p["d_model"], layers=p["n_layer"], heads=p["n_head"], kv_heads=p["n_head"],
                      intermediate=4 * p["d_model"], vocab=p["vocab_size"], mlp="gelu", norm="layernorm",
                      qkv_bias=True, proj_bias=True, learned_positions=p["seq_len"])


@pytest.mark.parametrize("result", _results("mixed-precision"), ids=lambda r: r["env"]["device_name"])
def test_mfu_matches_the_mixed_precision_reference(result: dict[str, Any]) -> None:
    p = result["params"]
    per_token = formulas.training_flops_per_token(_gpt_shape(p), p["seq_len"], attention=False)  # the lab's 6N
    peak = next(row for row in _rows(result["tables"][1]) if row["mode"] == "bf16")["measured_peak_tflops"] * 1e12
    for row in _rows(result["tables"][0]):
        tokens_per_sec = p["batch_size"] * p["seq_len"] / (row["step_ms"] / 1e3)
        assert row["tflops"] == pytest.approx(per_token * tokens_per_sec / 1e12, rel=0.05), row["mode"]
        if row["fraction_of_peak"] is not None:
            assert row["fraction_of_peak"] == pytest.approx(formulas.mfu(per_token, tokens_per_sec, peak), rel=0.05)


@pytest.mark.parametrize("result", _results("activation-memory"), ids=lambda r: r["env"]["device_name"])
def test_activation_bytes_match_the_activation_memory_reference(result: dict[str, Any]) -> None:
    dropout = result["params"]["dropout"] > 0
    for row in _rows(result["tables"][0]):
        predicted = formulas.activation_bytes_per_layer(row["seq_len"], row["batch"], row["hidden"], row["heads"],
                                                        dropout=dropout)
        assert row["bytes_measured"] == pytest.approx(predicted, rel=0.05)


@pytest.mark.parametrize("result", _results("attention"), ids=lambda r: r["env"]["device_name"])
def test_sdpa_bytes_match_the_attention_reference(result: dict[str, Any]) -> None:
    p = result["params"]
    for row in _rows(result["tables"][0]):
        attention = "math" if row["backend"] == "MATH" else "fused"
        predicted = formulas.sdpa_saved_bytes(p["batch"], p["heads"], row["seq_len"], p["head_dim"],
                                              attention=attention)
        assert row["saved_bytes"] == pytest.approx(predicted, rel=0.05), row["backend"]


@pytest.mark.parametrize("result", _results("kv-cache"), ids=lambda r: r["env"]["device_name"])
def test_cache_bytes_match_the_kv_cache_reference(result: dict[str, Any]) -> None:
    p = result["params"]
    element = 2 if p["dtype"] == "bf16" else 4
    for row in _rows(result["tables"][0]):
        predicted = formulas.kv_cache_bytes_per_token(p["layers"], row["kv_heads"], p["hidden"] // p["heads"], element)
        assert row["bytes_per_token"] == pytest.approx(predicted, rel=0.05)


@pytest.mark.parametrize("result", _results("model-math"), ids=lambda r: r["env"]["device_name"])
def test_counts_and_flops_match_the_model_math_reference(result: dict[str, Any]) -> None:
    for row in _rows(result["tables"][0]):
        assert row["params_measured"] == pytest.approx(formulas.param_count(PRESETS[row["model"]]), rel=0.05)
    p = result["params"]
    shape = ModelShape("trained", hidden=p["hidden"], layers=p["layers"], heads=p["heads"], kv_heads=p["kv_heads"],
                       intermediate=p["intermediate"], vocab=p["vocab_size"])
    train = next(row for row in _rows(result["tables"][1]) if row["quantity"].startswith("train 6N + 12"))
    assert train["flops_per_token_counted"] == pytest.approx(
        formulas.training_flops_per_token(shape, p["seq_len"]), rel=0.05)


# ---------------------------------------------------------------- the memory planner's formulas (app/planner)

GPT_LAYER = ModelShape("gpt-layer", hidden=1024, layers=1, heads=16, kv_heads=16, intermediate=4096, vocab=100,
                       mlp="gelu", norm="layernorm")


@pytest.mark.parametrize("recompute", ["none", "selective", "full", "matmul-outputs"])
@pytest.mark.parametrize(("attention", "dropout"), [("math", True), ("math", False), ("fused", True), ("fused", False)])
@pytest.mark.parametrize(("tensor_parallel", "sequence_parallel"), [(1, False), (4, False), (4, True)])
def test_layer_activation_bytes_is_the_papers_count_for_the_papers_layer(
        recompute: formulas.Recompute, attention: formulas.Attention, dropout: bool, tensor_parallel: int,
        sequence_parallel: bool) -> None:
    options: dict[str, Any] = {"dropout": dropout, "attention": attention, "recompute": recompute,
                               "tensor_parallel": tensor_parallel, "sequence_parallel": sequence_parallel}
    assert formulas.layer_activation_bytes(GPT_LAYER, 2048, 2, **options) == formulas.activation_bytes_per_layer(
        2048, 2, GPT_LAYER.hidden, GPT_LAYER.heads, **options)


def test_layer_activation_bytes_of_llama_layers_counted_by_hand() -> None:
    # Llama-2-7B (MHA, SwiGLU i = 11008), s = 4096, b = 1, fused attention, no dropout: per token
    # 16-bit values 2h (norm inputs) + h (QKV input) + 4h (Q, K, V, projection input) + h (MLP input) + 4i,
    # = 8·4096 + 4·11008 = 76,800 values = 153,600 bytes, plus the fp32 log-sum-exp 4·32 = 128 bytes.
    assert formulas.layer_activation_bytes(PRESETS["llama-2-7b"], 4096, 1) == 4096 * 153_728 == 629_669_888
    # Llama-3-8B (GQA: K and V 8 heads × 128 = 1024 wide, i = 14336): 4·4096 + 4096 + 1024 + 1024 + 4096 + 4·14336
    # = 83,968 values = 167,936 bytes + 128.
    assert formulas.layer_activation_bytes(PRESETS["llama-3-8b"], 1, 1) == 168_064
    # full recomputation keeps the layer input only; matmul-outputs keeps input, QKV, o, gate, up and down outputs
    assert formulas.layer_activation_bytes(PRESETS["llama-2-7b"], 4096, 1, recompute="full") == 2 * 4096 * 4096
    assert formulas.layer_activation_bytes(PRESETS["llama-2-7b"], 1, 1, recompute="matmul-outputs") == \
        2 * (3 * 4096 + 3 * 4096 + 2 * 11008)


def test_output_layer_and_pipeline_stages() -> None:
    # 4sbh(1 + v/h): Llama-2-7B at s = 4096, b = 1: 4·4096·(4096 + 32000)
    assert formulas.output_layer_activation_bytes(4096, 1, 4096, 32000) == 591_396_864
    assert formulas.output_layer_activation_bytes(4096, 1, 4096, 32000, tensor_parallel=8) == 591_396_864 / 8
    # no pipeline: every layer and the output layer on one GPU
    assert formulas.activation_bytes_per_gpu(10, 32, output_layer=100) == 420
    # 1F1B, p = 4: the first stage holds 4 micro-batches × 8 layers = 32 layers' worth; the last 8 layers + output
    assert formulas.activation_bytes_per_gpu(10, 32, pipeline_parallel=4, output_layer=100) == 320
    assert formulas.activation_bytes_per_gpu(10, 32, pipeline_parallel=8, output_layer=1000) == 40 + 1000
    assert formulas.activation_bytes_per_gpu(10, 32, recomputed_layer=7) == 327


def test_model_state_terms_sum_to_the_zero_paper() -> None:
    psi, n = 7.5e9, 64
    paper = formulas.zero_model_state_bytes(psi, n)
    for stage in range(4):
        terms = formulas.model_state_bytes_per_gpu(params=psi, trainable=psi, n=n, stage=stage)
        assert sum(terms.values()) == pytest.approx(paper[stage])
        assert terms["optimizer_states"] == pytest.approx(12 * psi / (n if stage else 1))
    # FSDP2 (fp32 gradient and parameter shards): stage 2 = 2Ψ + 16Ψ/N, stage 3 the paper's 16Ψ/N
    fsdp2 = {stage: formulas.model_state_bytes_per_gpu(params=psi, trainable=psi, n=n, stage=stage, engine="fsdp2")
             for stage in (2, 3)}
    assert sum(fsdp2[2].values()) == pytest.approx(formulas.zero_model_state_bytes(psi, n, grad_bytes=4)[2])
    assert sum(fsdp2[3].values()) == pytest.approx(paper[3]) and fsdp2[3]["weights"] == 0
    # ZeRO-Offload: gradients and optimizer states in CPU memory; ZeRO-Infinity: the weights too
    offload = formulas.model_state_bytes_per_gpu(params=psi, trainable=psi, n=n, stage=2, offload="optimizer")
    assert (offload["weights"], offload["gradients"], offload["optimizer_states"]) == (2 * psi, 0, 0)
    assert offload["cpu_optimizer_states"] == pytest.approx(12 * psi / n)
    infinity = formulas.model_state_bytes_per_gpu(params=psi, trainable=psi, n=n, stage=3, offload="optimizer+params")
    assert sum(value for key, value in infinity.items() if not key.startswith("cpu_")) == 0
    assert sum(infinity.values()) == pytest.approx(paper[3])


def test_lora_states_cover_the_adapters_only() -> None:
    base, adapters = 1_000_000, 10_000
    terms = formulas.model_state_bytes_per_gpu(params=base + adapters, trainable=adapters, n=1, stage=0)
    assert terms == {"weights": 2 * (base + adapters), "gradients": 2 * adapters, "optimizer_states": 12 * adapters,
                     "cpu_weights": 0, "cpu_gradients": 0, "cpu_optimizer_states": 0}
    shape = PRESETS["llama-2-7b"]
    assert sum(r * c for r, c in formulas.lora_matrices(shape, 16, ["q_proj", "v_proj"])) == \
        formulas.lora_params_for(shape, 16, ["q_proj", "v_proj"]) == 32 * 16 * (4096 + 4096) * 2


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_weight_matrices_and_vectors_make_up_the_parameter_count(name: str) -> None:
    shape = PRESETS[name]
    matrices = sum(rows * cols for rows, cols in formulas.weight_matrices(shape))
    vectors = formulas.param_count(shape) - matrices
    assert 0 <= vectors < formulas.param_count(shape) / 1000  # norms and biases only


def test_optimizer_state_values() -> None:
    shape = PRESETS["llama-2-7b"]
    matrices = formulas.weight_matrices(shape)
    vectors = formulas.param_count(shape) - sum(r * c for r, c in matrices)
    assert vectors == 65 * 4096  # 2 RMSNorms a layer and the final one
    assert formulas.optimizer_state_values("adamw", matrices, vectors) == 2 * 6_738_415_616
    assert formulas.optimizer_state_values("sgd-momentum", matrices, vectors) == 6_738_415_616
    # Adafactor: rows + cols per matrix — embedding and lm_head 32000 + 4096 each; per layer q, k, v, o 8192 each,
    # gate, up, down 4096 + 11008 each — plus the 266,240 norm weights in full
    by_hand = 2 * 36_096 + 32 * (4 * 8192 + 3 * 15_104) + 266_240
    assert formulas.optimizer_state_values("adafactor", matrices, vectors) == by_hand == 2_836_992


def test_largest_module_and_zero3_gathered_bytes() -> None:
    assert formulas.largest_module_params(PRESETS["llama-2-7b"]) == 32000 * 4096  # the embedding (and lm_head)
    assert formulas.largest_module_params(GPT_LAYER) == 1024 * 4096  # a small vocabulary: an MLP linear
    assert formulas.zero3_gathered_bytes(131_072_000) == 524_288_000  # DeepSpeed's 4 × largest layer


def test_kv_cache_per_gpu_splits_heads_and_replicates_the_last_one() -> None:
    shape = PRESETS["llama-3-70b"]  # 8 KV heads of 128, 80 layers
    whole = formulas.kv_cache_bytes(shape, 2, 1000)
    assert formulas.kv_cache_bytes_per_gpu(shape, 2, 1000) == whole
    assert formulas.kv_cache_bytes_per_gpu(shape, 2, 1000, tensor_parallel=4) == whole / 4
    assert formulas.kv_cache_bytes_per_gpu(shape, 2, 1000, tensor_parallel=16) == whole / 8  # one head each
    assert formulas.kv_cache_bytes_per_gpu(shape, 2, 1000, tensor_parallel=2, pipeline_parallel=4) == whole / 8
