"""The memory planner's service: the terms it adds up for each set-up, worked by hand for the cases interviews ask
about, its input parsing (the same for the form, the JSON twin and the CLI) and its errors in words."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.planner.inputs import PlanInput, parse_input
from app.planner.schemas import command_line, plan_json
from app.planner.service import GIB, Plan, PlanError, plan
from labs import formulas
from labs.formulas import PRESETS

PSI_7B = 6_738_415_616  # Llama-2-7B (the model-math lab counts it on the meta device)


def bytes_of(result: Plan, key: str) -> float:
    return next(term.bytes for term in result.terms if term.key == key)


def planned(**values: object) -> Plan:
    parsed = parse_input({name: str(value) for name, value in values.items()}, "en")
    assert parsed.errors == []
    return plan(parsed.values, "en")


def test_llama_2_7b_full_fine_tuning_on_8_h100_at_zero_3_by_hand() -> None:
    result = planned(model="llama-2-7b", precision="bf16-mixed", optimizer="adamw", zero=3, dp=8, gpu="h100-80",
                     micro_batch=1, seq_len=4096, checkpointing="none")
    assert result.params == PSI_7B and result.gpus == 8
    assert bytes_of(result, "weights") == 2 * PSI_7B / 8 == 1_684_603_904  # bf16 copy, sharded 8 ways
    assert bytes_of(result, "gradients") == 2 * PSI_7B / 8 == 1_684_603_904
    assert bytes_of(result, "optimizer_states") == 12 * PSI_7B / 8 == 10_107_623_424  # fp32 master + m + v
    assert bytes_of(result, "zero3_gathered") == 4 * 32000 * 4096 == 524_288_000  # the embedding, gathered whole
    # 32 layers × 4096 tokens × 153,728 B (16h + 8i bytes + 4a of log-sum-exp) + 4·4096·(4096 + 32000)
    assert bytes_of(result, "activations") == 32 * 629_669_888 + 591_396_864 == 20_740_833_280
    subtotal = 1_684_603_904 * 2 + 10_107_623_424 + 524_288_000 + 20_740_833_280
    assert result.subtotal_bytes == subtotal == 34_741_952_512
    assert bytes_of(result, "allowance") == pytest.approx(2 * GIB + 0.1 * subtotal)
    assert result.total_bytes == pytest.approx(40_363_631_411.2)  # 37.6 GiB of the H100's 80 GiB
    assert result.chosen.fits and result.chosen.capacity_bytes == 80 * GIB
    assert {fit.gpu: fit.fits for fit in result.fits} == {"h200": True, "h100-80": True, "a100-80": True,
                                                           "a100-40": True, "rtx4090": False}


@pytest.mark.parametrize("stage", [0, 1, 2, 3])
def test_model_states_are_the_zero_papers_for_every_stage(stage: int) -> None:
    result = planned(model="llama-2-13b", zero=stage, dp=16)
    states = sum(bytes_of(result, key) for key in ("weights", "gradients", "optimizer_states"))
    psi = formulas.param_count(PRESETS["llama-2-13b"])
    assert states == pytest.approx(formulas.zero_model_state_bytes(psi, 16)[stage])


def test_tensor_and_pipeline_parallelism_split_the_model_and_the_activations() -> None:
    alone, split = planned(model="llama-2-70b", zero=1, dp=4), planned(model="llama-2-70b", zero=1, dp=4, tp=8, pp=2)
    assert bytes_of(split, "weights") == pytest.approx(bytes_of(alone, "weights") / 16)
    assert bytes_of(split, "optimizer_states") == pytest.approx(bytes_of(alone, "optimizer_states") / 16)
    assert split.gpus == 4 * 8 * 2
    # per token: Q, K, V, projection input and 4i split 8 ways — (8192 + 1024 + 1024 + 8192 + 4·28672)·2/8 bytes —
    # the LN inputs, QKV input and MLP input (4h·2) not, and the log-sum-exp 4·64/8
    per_layer = split.activation_detail["per_layer_bytes"]
    assert per_layer == 4096 * (133_120 * 2 / 8 + 4 * 8192 * 2 + 4 * 64 / 8) == 404_881_408
    # the first pipeline stage still holds L layers' worth (p micro-batches of L/p layers)
    assert bytes_of(split, "activations") == pytest.approx(80 * per_layer)


def test_checkpointing_keeps_less_and_pays_one_recomputed_layer() -> None:
    none, full = planned(checkpointing="none"), planned(checkpointing="full")
    assert full.activation_detail["per_layer_bytes"] == 2 * 4096 * 4096  # the layer input, 2sbh
    recomputed = none.activation_detail["per_layer_bytes"] - 2 * 4096 * 4096
    assert bytes_of(full, "activations") == 32 * 2 * 4096 * 4096 + recomputed + 591_396_864
    selective = planned(checkpointing="selective", attention="math")
    assert selective.activation_detail["per_layer_bytes"] < planned(attention="math").activation_detail[
        "per_layer_bytes"]


def test_precision_and_optimizer_set_the_bytes_per_parameter() -> None:
    fp32 = planned(precision="fp32", zero=0, dp=1)
    assert bytes_of(fp32, "weights") == 4 * PSI_7B and bytes_of(fp32, "optimizer_states") == 8 * PSI_7B  # no master
    sgd = planned(optimizer="sgd-momentum", zero=0, dp=1)
    assert bytes_of(sgd, "optimizer_states") == 8 * PSI_7B  # fp32 master + momentum
    adafactor = planned(optimizer="adafactor", zero=0, dp=1)
    assert bytes_of(adafactor, "optimizer_states") == 4 * PSI_7B + 4 * 2_836_992  # master + factored v


def test_lora_trains_the_adapters_only() -> None:
    result = planned(method="lora", lora_rank=16, lora_targets="qv", zero=0, dp=1)
    adapters = 32 * 16 * 2 * (4096 + 4096)  # r·(d_in + d_out) for q and v in 32 layers
    assert result.trainable == adapters and result.params == PSI_7B + adapters
    assert bytes_of(result, "weights") == 2 * (PSI_7B + adapters)
    assert bytes_of(result, "gradients") == 2 * adapters and bytes_of(result, "optimizer_states") == 12 * adapters


def test_offload_moves_states_to_cpu_memory() -> None:
    result = planned(zero=3, dp=8, offload="optimizer")
    assert [term.key for term in result.cpu_terms] == ["gradients", "optimizer_states"]
    assert {term.key for term in result.terms} >= {"weights", "zero3_gathered", "activations"}
    assert "gradients" not in {term.key for term in result.terms}
    infinity = planned(zero=3, dp=8, offload="optimizer+params")
    assert [term.key for term in infinity.cpu_terms] == ["weights", "gradients", "optimizer_states"]


def test_inference_weights_and_kv_cache() -> None:
    result = planned(model="llama-2-7b", mode="infer", batch=8, context=4096)
    assert bytes_of(result, "weights") == 2 * PSI_7B
    assert bytes_of(result, "kv_cache") == 8 * 4096 * 2 * 32 * 32 * 128 * 2 == 16 * GIB
    gqa = planned(model="llama-2-7b", mode="infer", batch=8, context=4096, infer_kv_heads=8, kv_precision="fp8")
    assert bytes_of(gqa, "kv_cache") == 16 * GIB / 4 / 2
    int4 = planned(model="llama-3-70b", mode="infer", weight_precision="int4", tp=4)
    assert bytes_of(int4, "weights") == 0.5 * 70_553_706_496 / 4
    assert result.flops_per_token is None and "activations" not in {term.key for term in result.terms}


def test_seventy_b_full_fine_tuning_without_sharding_fits_nowhere() -> None:
    result = planned(model="llama-2-70b", zero=0, dp=8)
    assert not any(fit.fits for fit in result.fits)
    assert plan_json(result)["verdict"]["fits"] is False


def test_parsing_reads_what_the_form_and_the_cli_send() -> None:
    parsed = parse_input({"model": "Llama-2-7B", "dp": " 64 ", "dropout": "on", "tp": ""})
    assert parsed.errors == [] and parsed.values.model == "llama-2-7b" and parsed.values.dp == 64
    assert parsed.values.dropout is True and parsed.values.tp == 1
    values = PlanInput(model="qwen2.5-7b", zero=2, dp=32, sequence_parallel=True, tp=4, overhead_gib=1.5)
    assert parse_input(values.query()).values == values
    assert command_line(values) == ("preplab plan qwen2.5-7b --zero 2 --dp 32 --tp 4 --sequence-parallel "
                                    "--overhead-gib 1.5")


@pytest.mark.parametrize(("raw", "words"), [
    ({"zero": "4"}, "ZeRO stage must be between 0 and 3"),
    ({"dp": "eight"}, "Data parallel N (GPUs) must be a whole number"),
    ({"model": "gpt-5"}, "Model must be one of"),
    ({"seq_len": "nan"}, "Sequence length s must be a whole number"),
    ({"overhead_gib": "inf"}, "Fixed allowance must be between 0 and 1024"),
])
def test_unreadable_values_are_named_in_words(raw: dict[str, str], words: str) -> None:
    parsed = parse_input(raw, "en")
    assert len(parsed.errors) == 1 and parsed.errors[0].startswith(words)
    assert parse_input(raw, "zh").errors[0] != parsed.errors[0]  # and in Chinese


@pytest.mark.parametrize(("raw", "words"), [
    ({"model": "custom", "hidden": "1000", "heads": "32"}, "not a multiple"),
    ({"model": "llama-2-7b", "tp": "3"}, "tensor parallel t = 3"),
    ({"offload": "optimizer", "zero": "0"}, "needs ZeRO-1"),
    ({"offload": "optimizer+params", "zero": "2"}, "needs ZeRO-3"),
    ({"offload": "optimizer", "engine": "fsdp2"}, "FSDP2"),
    ({"mode": "infer", "infer_kv_heads": "5"}, "5 KV heads"),
    ({"model": "custom", "params": "1000000", "optimizer": "adafactor"}, "Adafactor's factored state"),
])
def test_set_ups_the_formulas_cannot_describe_are_refused(raw: dict[str, str], words: str) -> None:
    with pytest.raises(PlanError) as error:
        plan(parse_input(raw, "en").values, "en")
    assert words in str(error.value)


def test_custom_sizes_and_a_typed_parameter_count() -> None:
    result = planned(model="custom", hidden=2048, layers=16, heads=16, intermediate=5632, vocab=32000)
    shape = result.shape
    assert (shape.hidden, shape.layers, shape.kv_heads, shape.mlp) == (2048, 16, 16, "swiglu")
    assert result.params == formulas.param_count(shape)
    typed = planned(model="custom", params=7_500_000_000, zero=3, dp=64)
    states = sum(bytes_of(typed, key) for key in ("weights", "gradients", "optimizer_states"))
    assert states == pytest.approx(1.875e9)  # the ZeRO paper's 7.5B on 64 GPUs: 1.9 GB


def test_the_planner_imports_without_torch() -> None:
    probe = ("import sys, app.planner.routes, app.planner.cli; "
             "assert 'torch' not in sys.modules, 'torch was imported'")
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
