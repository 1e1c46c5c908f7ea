"""The memory planner: the bytes one GPU holds to train or serve a model, term by term, and whether that fits.

Every number is one of labs/formulas.py's functions — the formulas the labs check against their measurements
(tests/planner/test_references.py holds the planner to every shipped reference result it covers). This module only
chooses which formula applies to the learner's set-up and adds the terms up; it computes no formula of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from app.labs.format import format_value
from app.messages import translate
from app.planner.inputs import CUSTOM, GPUS, LORA_TARGETS, PlanInput
from labs import formulas
from labs.formulas import PRESETS, ModelShape

GIB = 2**30
BYTES = {"fp32": 4, "bf16": 2, "fp16": 2, "fp8": 1, "int8": 1, "int4": 0.5}
TRAIN_BYTES = {"fp32": 4, "bf16-mixed": 2, "fp16-mixed": 2}  # the 16-bit copy the step computes with
# The labs that measure each term (labs/results/ holds their reference results).
LABS = {"weights": ("zero-memory", "mixed-precision"), "gradients": ("zero-memory",),
        "optimizer_states": ("zero-memory", "mixed-precision"), "zero3_gathered": ("zero-memory",),
        "activations": ("activation-memory",), "kv_cache": ("kv-cache",), "params": ("model-math",),
        "trainable": ("lora",), "allowance": ()}


class PlanError(ValueError):
    """A set-up the formulas cannot describe (heads that do not divide the width, offload without ZeRO, ...)."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Term:
    key: str
    bytes: float
    formula: str  # in symbols, the same in every language
    detail: str  # in words, in the viewer's language
    labs: tuple[str, ...]
    place: str = "gpu"


@dataclass(frozen=True)
class Fit:
    gpu: str
    label: str
    capacity_bytes: float
    total_bytes: float

    @property
    def fits(self) -> bool:
        return self.total_bytes <= self.capacity_bytes

    @property
    def headroom_bytes(self) -> float:
        return self.capacity_bytes - self.total_bytes


@dataclass
class Plan:
    input: PlanInput
    shape: ModelShape
    params: int
    trainable: int
    gpus: int
    terms: list[Term]
    cpu_terms: list[Term]
    subtotal_bytes: float
    total_bytes: float
    fits: list[Fit]
    notes: list[str] = field(default_factory=list)
    activation_detail: dict[str, float] = field(default_factory=dict)
    flops_per_token: float | None = None

    @property
    def chosen(self) -> Fit:
        return next(fit for fit in self.fits if fit.gpu == self.input.gpu)


def model_shape(values: PlanInput) -> ModelShape:
    """The preset's shape, or a custom one whose blank sizes are Llama-2-7B's."""
    if values.model != CUSTOM:
        return PRESETS[values.model]
    base = PRESETS["llama-2-7b"]
    gelu = values.mlp == "gelu"
    return ModelShape(CUSTOM, hidden=values.hidden or base.hidden, layers=values.layers or base.layers,
                      heads=values.heads or base.heads, kv_heads=values.kv_heads or values.heads or base.kv_heads,
                      intermediate=values.intermediate or base.intermediate, vocab=values.vocab or base.vocab,
                      mlp="gelu" if gelu else "swiglu", norm="layernorm" if gelu else "rmsnorm", qkv_bias=gelu,
                      proj_bias=gelu)


def _problems(values: PlanInput, shape: ModelShape, lang: str) -> list[str]:
    def say(key: str, **more: object) -> str:
        return translate(f"planner.error.{key}", lang, **more)

    found = []
    if shape.hidden % shape.heads:
        found.append(say("heads_divide", hidden=shape.hidden, heads=shape.heads))
    kv_heads = values.infer_kv_heads if values.mode == "infer" and values.infer_kv_heads else shape.kv_heads
    if kv_heads > shape.heads or shape.heads % kv_heads:
        found.append(say("kv_heads", kv_heads=kv_heads, heads=shape.heads))
    if shape.heads % values.tp:
        found.append(say("tp_heads", tp=values.tp, heads=shape.heads))
    if values.pp > shape.layers:
        found.append(say("pp_layers", pp=values.pp, layers=shape.layers))
    if values.mode == "train" and values.optimizer == "adafactor" and values.model == CUSTOM and values.params:
        found.append(say("adafactor_params"))
    if values.mode == "train" and values.offload != "none":
        if values.engine == "fsdp2":
            found.append(say("offload_engine"))
        elif values.zero == 0 or (values.offload == "optimizer+params" and values.zero < 3):
            found.append(say("offload_stage", stage=3 if values.offload == "optimizer+params" else 1))
    return found


def _shown(value: float, unit: str = "bytes") -> str:
    return format_value(value, unit).text


def plan(values: PlanInput, lang: str = "zh") -> Plan:
    """Per-GPU bytes for `values`, each term with its formula, its lab and the verdict for every GPU of GPUS."""
    shape = model_shape(values)
    problems = _problems(values, shape, lang)
    if problems:
        raise PlanError(problems)
    params = values.params if values.model == CUSTOM and values.params else formulas.param_count(shape)
    if values.mode == "infer":
        result = _inference(values, shape, params, lang)
    else:
        result = _training(values, shape, params, lang)
    subtotal = sum(term.bytes for term in result.terms)
    allowance = values.overhead_gib * GIB + values.fragmentation_pct / 100 * subtotal
    result.terms.append(Term("allowance", allowance, f"{_number(values.overhead_gib)} GiB + "
                             f"{_number(values.fragmentation_pct)}% × Σ",
                             translate("planner.detail.allowance", lang), LABS["allowance"]))
    result.subtotal_bytes, result.total_bytes = subtotal, subtotal + allowance
    result.fits = [Fit(key, label, gib * GIB, result.total_bytes) for key, (label, gib) in GPUS.items()]
    return result


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _split(*divisors: tuple[str, int]) -> str:
    names = [name for name, size in divisors if size > 1]
    return "" if not names else "/" + (names[0] if len(names) == 1 else f"({'·'.join(names)})")


def _trainable(values: PlanInput, shape: ModelShape, params: int) -> tuple[int, list[tuple[int, int]], int]:
    """Trainable parameters and, for the optimizer's state, their matrices and vector elements."""
    if values.method == "lora":
        targets = LORA_TARGETS[values.lora_targets]
        adapters = formulas.lora_params_for(shape, values.lora_rank, targets)
        return adapters, formulas.lora_matrices(shape, values.lora_rank, targets), 0
    if values.model == CUSTOM and values.params:  # a typed count has no shapes: every parameter counts alone
        return params, [], params
    matrices = formulas.weight_matrices(shape)
    return params, matrices, params - sum(rows * cols for rows, cols in matrices)


def _training(values: PlanInput, shape: ModelShape, params: int, lang: str) -> Plan:
    trainable, matrices, vectors = _trainable(values, shape, params)
    lora = values.method == "lora"
    total_params = params + trainable if lora else params
    mixed = values.precision != "fp32"
    weight_bytes = grad_bytes = TRAIN_BYTES[values.precision]
    optimizer_bytes = (formulas.FP32_BYTES * formulas.optimizer_state_values(values.optimizer, matrices, vectors)
                       + (formulas.FP32_BYTES * trainable if mixed else 0))
    model_parallel = values.tp * values.pp  # each GPU of a data-parallel replica holds 1/(t·p) of the model
    states = formulas.model_state_bytes_per_gpu(
        params=total_params / model_parallel, trainable=trainable / model_parallel, n=values.dp, stage=values.zero,
        weight_bytes=weight_bytes, grad_bytes=grad_bytes, optimizer_bytes=optimizer_bytes / model_parallel,
        master_weights=mixed, engine=values.engine, offload=values.offload)
    k = optimizer_bytes / trainable if trainable else 0.0
    psi = "Ψₜ" if lora else "Ψ"
    mp, stage = ("t", values.tp), values.zero
    fsdp2 = values.engine == "fsdp2" and mixed and stage >= 2
    formulas_shown = {
        "weights": _weights_formula(weight_bytes, fsdp2 and stage == 3, lora,
                                    _split(mp, ("p", values.pp), ("N", values.dp if stage == 3 else 1))),
        "gradients": f"{4 if fsdp2 else _number(grad_bytes)}{psi}" + _split(
            mp, ("p", values.pp), ("N", values.dp if stage >= 2 else 1)),
        "optimizer_states": f"{_number(round(k, 4))}{psi}" + _split(
            mp, ("p", values.pp), ("N", values.dp if stage >= 1 else 1)),
    }
    detail = _state_details(values, k, lang)
    terms, cpu_terms = [], []
    for key in ("weights", "gradients", "optimizer_states"):
        labs = ("lora", *LABS[key]) if lora and key != "weights" else LABS[key]
        if states[key] or not states[f"cpu_{key}"]:
            terms.append(Term(key, states[key], formulas_shown[key], detail[key], labs))
        if states[f"cpu_{key}"]:
            cpu_terms.append(Term(key, states[f"cpu_{key}"], formulas_shown[key], detail[key], labs, place="cpu"))
    if stage == 3:
        largest = formulas.largest_module_params(shape) // values.tp
        gathered_grads = 0 if lora else grad_bytes  # a frozen layer has no gradient to gather
        gathered = formulas.zero3_gathered_bytes(largest, weight_bytes=weight_bytes, grad_bytes=gathered_grads)
        terms.append(Term("zero3_gathered", gathered, f"{_number(weight_bytes + gathered_grads)} × "
                          f"{largest:,}", translate("planner.detail.zero3_gathered", lang, params=f"{largest:,}"),
                          LABS["zero3_gathered"]))
    activation, detail_bytes = _activations(values, shape, lang)
    terms.append(activation)
    result = Plan(input=values, shape=shape, params=total_params, trainable=trainable,
                  gpus=values.dp * values.tp * values.pp, terms=terms, cpu_terms=cpu_terms, subtotal_bytes=0,
                  total_bytes=0, fits=[], activation_detail=detail_bytes,
                  flops_per_token=formulas.training_flops_per_token(shape, values.seq_len))
    result.notes = _training_notes(values, shape, lang)
    return result


def _weights_formula(weight_bytes: float, fsdp2_sharded: bool, lora: bool, split: str) -> str:
    """FSDP2 at stage 3 keeps no 16-bit copy of what it trains (the fp32 shard is the parameter): only frozen ones."""
    if fsdp2_sharded:
        return f"{_number(weight_bytes)}(Ψ−Ψₜ){split}" if lora else "0"
    return f"{_number(weight_bytes)}Ψ{split}"


def _state_details(values: PlanInput, k: float, lang: str) -> dict[str, str]:
    stage = translate(f"planner.stage.{values.zero}", lang)
    precision = values.precision.split("-")[0]  # the copy the step computes with: bf16, fp16 or fp32
    optimizer = translate(f"planner.optimizer_state.{values.optimizer}", lang)
    master = translate("planner.detail.master", lang) if values.precision != "fp32" else ""
    return {"weights": translate("planner.detail.weights", lang, precision=precision, stage=stage),
            "gradients": translate("planner.detail.gradients", lang, stage=stage),
            "optimizer_states": translate("planner.detail.optimizer_states", lang, k=_number(round(k, 4)),
                                          state=optimizer, master=master, stage=stage)}


def _activations(values: PlanInput, shape: ModelShape, lang: str) -> tuple[Term, dict[str, float]]:
    options: dict[str, Any] = {
        "dropout": values.dropout, "attention": values.attention, "tensor_parallel": values.tp,
        "sequence_parallel": values.sequence_parallel and values.tp > 1,
        "bytes_per_value": 4 if values.precision == "fp32" else 2}
    s, b = values.seq_len, values.micro_batch
    per_layer = formulas.layer_activation_bytes(shape, s, b, recompute=values.checkpointing, **options)
    without = formulas.layer_activation_bytes(shape, s, b, recompute="none", **options)
    recomputed = without - per_layer
    output = formulas.output_layer_activation_bytes(s, b, shape.hidden, shape.vocab, tensor_parallel=values.tp)
    total = formulas.activation_bytes_per_gpu(per_layer, shape.layers, pipeline_parallel=values.pp,
                                              recomputed_layer=recomputed, output_layer=output)
    layers = shape.layers if values.pp == 1 else f"{shape.layers}/{values.pp}×{values.pp}"
    formula = "L × layer + output" + (" + recomputed" if recomputed else "")
    detail = translate("planner.detail.activations", lang, layers=layers, per_layer=_shown(per_layer),
                       output=_shown(output), recompute=translate(f"planner.recompute.{values.checkpointing}", lang))
    if recomputed:
        detail += translate("planner.detail.recomputed", lang, recomputed=_shown(recomputed))
    return (Term("activations", total, formula, detail, LABS["activations"]),
            {"per_layer_bytes": per_layer, "per_layer_without_recompute_bytes": without,
             "recomputed_layer_bytes": recomputed, "output_layer_bytes": output, "layers": shape.layers})


def _training_notes(values: PlanInput, shape: ModelShape, lang: str) -> list[str]:
    wanted = ["activations"]
    wanted += ["swiglu"] if shape.mlp == "swiglu" else []
    wanted += ["pipeline"] if values.pp > 1 else []
    wanted += ["lora"] if values.method == "lora" else []
    wanted += ["fsdp2_low_stage"] if values.engine == "fsdp2" and values.zero < 2 else []
    wanted += ["fsdp2"] if values.engine == "fsdp2" and values.zero >= 2 else []
    wanted += ["zero3"] if values.zero == 3 else []
    wanted += ["offload"] if values.offload != "none" else []
    wanted += ["custom_params"] if values.model == CUSTOM and values.params else []
    return [translate(f"planner.note.{key}", lang) for key in wanted]


def _inference(values: PlanInput, shape: ModelShape, params: int, lang: str) -> Plan:
    cached = replace(shape, kv_heads=values.infer_kv_heads) if values.infer_kv_heads else shape
    weight_bytes, kv_bytes = BYTES[values.weight_precision], BYTES[values.kv_precision]
    model_parallel = values.tp * values.pp
    weights = weight_bytes * params / model_parallel
    cache = formulas.kv_cache_bytes_per_gpu(cached, values.batch, values.context, kv_bytes,
                                            tensor_parallel=values.tp, pipeline_parallel=values.pp)
    per_token = formulas.kv_cache_bytes_per_token(cached.layers, cached.kv_heads, cached.head_dim, 1) * kv_bytes
    terms = [
        Term("weights", weights, f"{_number(weight_bytes)}Ψ" + _split(("t", values.tp), ("p", values.pp)),
             translate("planner.detail.infer_weights", lang, precision=values.weight_precision),
             ("model-math",)),
        Term("kv_cache", cache, "2·L·n_kv·d_head·bytes × b × s" + _split(("t", values.tp), ("p", values.pp)),
             translate("planner.detail.kv_cache", lang, per_token=_shown(per_token), kv_heads=cached.kv_heads,
                       batch=f"{values.batch:,}", context=f"{values.context:,}"), LABS["kv_cache"]),
    ]
    notes = ["infer_activations"] + (["quantised"] if values.weight_precision in ("int8", "int4") else [])
    return Plan(input=values, shape=cached, params=params, trainable=0, gpus=model_parallel, terms=terms,
                cpu_terms=[], subtotal_bytes=0, total_bytes=0, fits=[], activation_detail={},
                notes=[translate(f"planner.note.{key}", lang) for key in notes])
