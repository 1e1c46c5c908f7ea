"""The textbook formulas behind the labs' predictions — plain Python, no torch, importable by the app's planner.

Every lab check compares one of these (`predicted`) with a measurement (`measured`); the memory planner answers
"does it fit" with the same functions. Units are in the names: bytes, flops, seconds. Each function cites the paper
and section its formula comes from. Nothing here measures anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

BYTES_16BIT = 2
FP32_BYTES = 4
ADAM_K = 12  # fp32 master weights + Adam m + Adam v: bytes per parameter (ZeRO §3.1)

Attention = Literal["math", "fused"]
Recompute = Literal["none", "selective", "full", "matmul-outputs"]
Optimizer = Literal["adamw", "sgd-momentum", "adafactor"]
Engine = Literal["deepspeed", "fsdp2"]
Offload = Literal["none", "optimizer", "optimizer+params"]


# ---------------------------------------------------------------- model shapes

@dataclass(frozen=True)
class ModelShape:
    """The sizes of a decoder-only transformer that the formulas need, as a Hugging Face config.json spells them."""

    name: str
    hidden: int  # hidden_size / n_embd (d_model, the paper's h)
    layers: int  # num_hidden_layers / n_layer (L)
    heads: int  # num_attention_heads (a)
    kv_heads: int  # num_key_value_heads: = heads for MHA, 1 for MQA, in between for GQA
    intermediate: int  # intermediate_size / n_inner: the MLP's inner width
    vocab: int  # vocab_size
    mlp: Literal["gelu", "swiglu"] = "swiglu"  # gelu: 2 matrices (GPT); swiglu: gate, up, down (Llama, Qwen)
    norm: Literal["layernorm", "rmsnorm"] = "rmsnorm"  # LayerNorm has weight and bias, RMSNorm a weight only
    qkv_bias: bool = False  # bias on q, k, v projections (GPT-2, Qwen2)
    proj_bias: bool = False  # bias on the attention output and MLP projections (GPT-2)
    tied_embeddings: bool = False  # lm_head shares the token embedding (GPT-2)
    learned_positions: int = 0  # rows of a learned position embedding (GPT-2: 1024); 0 for RoPE
    head_dim_override: int | None = None  # config.head_dim where it is not hidden / heads
    source: str = ""  # where the numbers come from

    @property
    def head_dim(self) -> int:
        return self.head_dim_override or self.hidden // self.heads

    @property
    def attention_width(self) -> int:
        """heads × head_dim: the width of q and of the attention output (= hidden for the presets)."""
        return self.heads * self.head_dim


def _hf(repo: str) -> str:
    return f"https://huggingface.co/{repo}/blob/main/config.json"


PRESETS: dict[str, ModelShape] = {
    shape.name: shape for shape in (
        ModelShape("gpt2", hidden=768, layers=12, heads=12, kv_heads=12, intermediate=3072, vocab=50257, mlp="gelu",
                   norm="layernorm", qkv_bias=True, proj_bias=True, tied_embeddings=True, learned_positions=1024,
                   source=_hf("openai-community/gpt2")),
        ModelShape("llama-2-7b", hidden=4096, layers=32, heads=32, kv_heads=32, intermediate=11008, vocab=32000,
                   source=_hf("meta-llama/Llama-2-7b-hf")),
        ModelShape("llama-2-13b", hidden=5120, layers=40, heads=40, kv_heads=40, intermediate=13824, vocab=32000,
                   source=_hf("meta-llama/Llama-2-13b-hf")),
        ModelShape("llama-2-70b", hidden=8192, layers=80, heads=64, kv_heads=8, intermediate=28672, vocab=32000,
                   source=_hf("meta-llama/Llama-2-70b-hf")),
        ModelShape("llama-3-8b", hidden=4096, layers=32, heads=32, kv_heads=8, intermediate=14336, vocab=128256,
                   source=_hf("meta-llama/Meta-Llama-3-8B")),
        ModelShape("llama-3-70b", hidden=8192, layers=80, heads=64, kv_heads=8, intermediate=28672, vocab=128256,
                   source=_hf("meta-llama/Meta-Llama-3-70B")),
        ModelShape("qwen2.5-7b", hidden=3584, layers=28, heads=28, kv_heads=4, intermediate=18944, vocab=152064,
                   qkv_bias=True, source=_hf("Qwen/Qwen2.5-7B")),
    )
}


# ---------------------------------------------------------------- parameters

def linear_shapes(shape: ModelShape) -> dict[str, tuple[int, int]]:
    """(in_features, out_features) of each nn.Linear in one layer, under Hugging Face Llama's module names."""
    width, kv_width = shape.attention_width, shape.kv_heads * shape.head_dim
    linears = {"q_proj": (shape.hidden, width), "k_proj": (shape.hidden, kv_width),
               "v_proj": (shape.hidden, kv_width), "o_proj": (width, shape.hidden)}
    if shape.mlp == "swiglu":
        linears |= {"gate_proj": (shape.hidden, shape.intermediate), "up_proj": (shape.hidden, shape.intermediate)}
    else:
        linears["up_proj"] = (shape.hidden, shape.intermediate)
    linears["down_proj"] = (shape.intermediate, shape.hidden)
    return linears


def param_breakdown(shape: ModelShape) -> dict[str, int]:
    """Exact parameter count by part: embeddings, attention, MLP, norms, lm_head (0 when tied)."""
    linears = linear_shapes(shape)
    attention = sum(i * o for name, (i, o) in linears.items() if name in ("q_proj", "k_proj", "v_proj", "o_proj"))
    mlp = sum(i * o for name, (i, o) in linears.items() if name in ("gate_proj", "up_proj", "down_proj"))
    if shape.qkv_bias:
        attention += shape.attention_width + 2 * shape.kv_heads * shape.head_dim
    if shape.proj_bias:
        attention += shape.hidden
        mlp += shape.intermediate + shape.hidden
    norm_size = shape.hidden * (2 if shape.norm == "layernorm" else 1)
    return {
        "embedding": shape.vocab * shape.hidden + shape.learned_positions * shape.hidden,
        "attention": shape.layers * attention,
        "mlp": shape.layers * mlp,
        "norms": (2 * shape.layers + 1) * norm_size,
        "lm_head": 0 if shape.tied_embeddings else shape.vocab * shape.hidden,
    }


def param_count(shape: ModelShape) -> int:
    """Total parameters, each shared tensor counted once — what `sum(p.numel() for p in model.parameters())` gives."""
    return sum(param_breakdown(shape).values())


def matmul_params(shape: ModelShape) -> int:
    """Weights that take part in matrix products: every layer's linears plus the lm_head (tied or not).

    This is the N of "6N FLOPs per token" (Kaplan et al. 2020, arXiv:2001.08361, §2.1): embedding lookups do no
    multiply-adds; biases and norms are negligible and not counted.
    """
    per_layer = sum(i * o for i, o in linear_shapes(shape).values())
    return shape.layers * per_layer + shape.vocab * shape.hidden


# ---------------------------------------------------------------- training FLOPs, MFU, time

def forward_flops_per_token(shape: ModelShape, seq_len: int) -> float:
    """2N + 4·L·s·(a·d_head): multiply-adds of the linears plus QKᵀ and AV, counted for the full (non-causal) s×s.

    PaLM (Chowdhery et al. 2022, arXiv:2204.02311), Appendix B.
    """
    return 2 * matmul_params(shape) + 4 * shape.layers * seq_len * shape.attention_width


def training_flops_per_token(shape: ModelShape, seq_len: int, *, attention: bool = True) -> float:
    """6N + 12·L·s·(a·d_head) model FLOPs per trained token (backward = 2 × forward); 6N alone with attention=False.

    Kaplan et al. 2020 (arXiv:2001.08361) §2.1, C ≈ 6N; PaLM (arXiv:2204.02311) Appendix B adds the attention term.
    Recomputation (checkpointing) is not counted: these are *model* FLOPs, the numerator of MFU.
    """
    dense = 6 * matmul_params(shape)
    return dense + (12 * shape.layers * seq_len * shape.attention_width if attention else 0)


def mfu(flops_per_token: float, tokens_per_second: float, peak_flops_per_second: float, gpus: int = 1) -> float:
    """Model FLOPs utilisation: achieved model FLOP/s over the peak of all GPUs (PaLM, arXiv:2204.02311, §4.1)."""
    return flops_per_token * tokens_per_second / (peak_flops_per_second * gpus)


def training_time_seconds(flops_per_token: float, tokens: float, *, gpus: int, peak_flops_per_second: float,
                          utilisation: float) -> float:
    """Wall time to train on `tokens` tokens: total model FLOPs / (G × peak × MFU).

    Narayanan et al. 2021 (Megatron-LM, arXiv:2104.04473), §5.1 eq. (4) is this with 6N (8N with recomputation).
    """
    return flops_per_token * tokens / (gpus * peak_flops_per_second * utilisation)


# ---------------------------------------------------------------- model states: mixed precision, ZeRO, LoRA

def mixed_precision_adam_bytes(params: float, k: int = ADAM_K) -> float:
    """(2 + 2 + K)Ψ: fp16/bf16 params and grads, plus K bytes of fp32 optimizer state per parameter (K = 12 for Adam).

    Rajbhandari et al. 2020 (ZeRO, arXiv:1910.02054), §3.1; mixed precision per Micikevicius et al. 2018.
    """
    return (2 + 2 + k) * params


def zero_model_state_bytes(psi: float, n: int, k: int = ADAM_K, *, grad_bytes: int = 2) -> dict[int, float]:
    """Model-state bytes per GPU for ZeRO stages 0-3 with N data-parallel GPUs (ZeRO paper, Figure 1 and §5):

    0: (2+2+K)Ψ   1 (P_os): 4Ψ + KΨ/N   2 (P_os+g): 2Ψ + (2+K)Ψ/N   3 (P_os+g+p): (2+2+K)Ψ/N.
    `grad_bytes=4` gives engines that keep fp32 gradient shards (FSDP2: stage 2 = 2Ψ + 16Ψ/N).
    """
    return {0: (2 + grad_bytes + k) * psi, 1: (2 + grad_bytes) * psi + k * psi / n,
            2: 2 * psi + (grad_bytes + k) * psi / n, 3: (2 + grad_bytes + k) * psi / n}


def adam_state_bytes(trainable_params: float, state_bytes: int = FP32_BYTES) -> float:
    """Adam's m and v: 2 × 4 bytes per trainable parameter (Kingma & Ba 2015; the fp32 states of ZeRO's K)."""
    return 2 * state_bytes * trainable_params


def lora_params(linears: Iterable[tuple[int, int]], rank: int) -> int:
    """Σ r·(d_in + d_out) over the adapted linears: A is r×d_in, B d_out×r (Hu et al. 2021, arXiv:2106.09685, §4.1)."""
    return sum(rank * (d_in + d_out) for d_in, d_out in linears)


def lora_params_for(shape: ModelShape, rank: int,
                    targets: Iterable[str] = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                                              "down_proj")) -> int:
    """LoRA's trainable parameters when `targets` (Llama module names) are adapted in every layer."""
    wanted = set(targets)
    per_layer = lora_params((dims for name, dims in linear_shapes(shape).items() if name in wanted), rank)
    return shape.layers * per_layer


def weight_matrices(shape: ModelShape) -> list[tuple[int, int]]:
    """(rows, cols) of every 2-D weight: token and position embeddings, each layer's linears, an untied lm_head.

    Every parameter not in a matrix is a vector (biases, norm weights): param_count − Σ rows·cols of these.
    """
    matrices = [(shape.vocab, shape.hidden)]
    if shape.learned_positions:
        matrices.append((shape.learned_positions, shape.hidden))
    matrices += [(d_out, d_in) for _ in range(shape.layers) for d_in, d_out in linear_shapes(shape).values()]
    if not shape.tied_embeddings:
        matrices.append((shape.vocab, shape.hidden))
    return matrices


def lora_matrices(shape: ModelShape, rank: int, targets: Iterable[str]) -> list[tuple[int, int]]:
    """LoRA's adapters as matrices: A (r × d_in) and B (d_out × r) for every adapted linear (Hu et al. 2021, §4.1)."""
    wanted = set(targets)
    per_layer = [m for name, (d_in, d_out) in linear_shapes(shape).items() if name in wanted
                 for m in ((rank, d_in), (d_out, rank))]
    return per_layer * shape.layers


def largest_module_params(shape: ModelShape) -> int:
    """The largest single module's parameters (an embedding, the lm_head or one linear with its bias): what
    DeepSpeed's ZeRO-3 estimator takes as the layer it gathers whole (see `zero3_gathered_bytes`)."""
    biases = {"q_proj": shape.qkv_bias * shape.attention_width, "o_proj": shape.proj_bias * shape.hidden,
              "down_proj": shape.proj_bias * shape.hidden, "up_proj": shape.proj_bias * shape.intermediate}
    linears = [d_in * d_out + biases.get(name, 0) for name, (d_in, d_out) in linear_shapes(shape).items()]
    return max(shape.vocab * shape.hidden, *linears)


def optimizer_state_values(optimizer: Optimizer, matrices: Iterable[tuple[int, int]], vectors: int = 0) -> int:
    """Values of optimizer state for trainable `matrices` (rows, cols) and `vectors` 1-D parameters.

    adamw: m and v, two per parameter (Kingma & Ba 2015; AdamW, Loshchilov & Hutter 2019, decouples weight decay and
    keeps the same state). sgd-momentum: one momentum buffer per parameter (torch.optim.SGD's momentum_buffer;
    Sutskever et al. 2013). adafactor: β₁ = 0 (no first moment) and a factored second moment, a row and a column
    accumulator per n×m matrix, n + m values instead of n·m; vectors keep a full one (Shazeer & Stern 2018,
    arXiv:1804.04235, §3).
    """
    shapes = list(matrices)
    params = sum(rows * cols for rows, cols in shapes) + vectors
    if optimizer == "adamw":
        return 2 * params
    if optimizer == "sgd-momentum":
        return params
    return sum(rows + cols for rows, cols in shapes) + vectors


def model_state_bytes_per_gpu(*, params: float, trainable: float, n: int, stage: int, weight_bytes: float = 2,
                              grad_bytes: float = 2, optimizer_bytes: float | None = None, master_weights: bool = True,
                              engine: Engine = "deepspeed", offload: Offload = "none") -> dict[str, float]:
    """Per-GPU bytes of each model state (and what offload puts in CPU memory) under ZeRO stage 0-3 over n GPUs.

    The ZeRO paper's partitioning (Rajbhandari et al. 2020, arXiv:1910.02054, §5): stage ≥ 1 shards the optimizer
    states (P_os), ≥ 2 the gradients (P_g), 3 the parameters (P_p). `weight_bytes` per parameter (16-bit: 2) are
    kept for every parameter, gradients (`grad_bytes`) and optimizer states only for `trainable` ones (LoRA trains
    adapters only); `optimizer_bytes` is the whole unsharded optimizer state, fp32 master weights included as in the
    paper's K (default K·trainable, K = 12). Summed, full training gives `zero_model_state_bytes`.
    engine="fsdp2", stage 2-3, with master weights: PyTorch FSDP2 keeps the fp32 shard as the parameter (counted
    here with the optimizer states, as K counts it) and its gradients in fp32 (4 bytes); the 16-bit copy persists
    only unsharded, from forward to backward, at stage 2 (reshard_after_forward=False) — 2Ψ + 16Ψ/N, then 16Ψ/N.
    offload (DeepSpeed): "optimizer" is ZeRO-Offload (Ren et al. 2021, arXiv:2101.06840, §4): the optimizer states
    and the gradient partition live in CPU memory, the 16-bit weights stay; "optimizer+params" (stage 3) is
    ZeRO-Infinity's (Rajbhandari et al. 2021, arXiv:2104.07857, §5) parameter offload too: the GPU keeps only what it
    gathers (`zero3_gathered_bytes`). Keys: weights, gradients, optimizer_states and cpu_ each.
    """
    optimizer = ADAM_K * trainable if optimizer_bytes is None else optimizer_bytes
    frozen = params - trainable
    shard = {name: n if stage >= level else 1 for name, level in (("optimizer", 1), ("gradients", 2), ("weights", 3))}
    if engine == "fsdp2" and master_weights and stage >= 2:
        weights = weight_bytes * (params if stage == 2 else frozen / n)
        gradients = FP32_BYTES * trainable / n
    else:
        weights = weight_bytes * params / shard["weights"]
        gradients = grad_bytes * trainable / shard["gradients"]
    terms = {"weights": weights, "gradients": gradients, "optimizer_states": optimizer / shard["optimizer"]}
    moved = {"none": (), "optimizer": ("gradients", "optimizer_states"),
             "optimizer+params": ("weights", "gradients", "optimizer_states")}[offload]
    return {**{name: 0.0 if name in moved else value for name, value in terms.items()},
            **{f"cpu_{name}": value if name in moved else 0.0 for name, value in terms.items()}}


def zero3_gathered_bytes(largest_module: int, *, weight_bytes: float = 2, grad_bytes: float = 2) -> float:
    """The whole largest module's 16-bit parameters and gradients that ZeRO-3 gathers while it runs: DeepSpeed's
    estimate_zero3_model_states_mem_needs, `4 * largest_layer_params` (deepspeed/runtime/zero/stage3.py; the DeepSpeed
    docs' Memory Requirements page)."""
    return (weight_bytes + grad_bytes) * largest_module


# ---------------------------------------------------------------- activations (Korthikanti et al. 2022)

def activation_bytes_per_layer(seq_len: int, batch: int, hidden: int, heads: int, *, dropout: bool = True,
                               attention: Attention = "math", recompute: Recompute = "none",
                               tensor_parallel: int = 1, sequence_parallel: bool = False,
                               bytes_per_value: int = BYTES_16BIT) -> float:
    """Bytes one transformer layer keeps for backward (Korthikanti et al. 2022, arXiv:2205.05198).

    §4.1, eq. (1), 16-bit values, 1-byte dropout masks, math attention: s·b·h·(34 + 5·a·s/h). Of the 34,
    32 are sixteen 16-bit tensors of s·b·h elements (LN inputs 2, QKV input 1, Q and K 2, V 1, projection input 1,
    MLP input 1, GeLU input 4, GeLU output 4) and 2 are the masks of the two dropouts after the projections;
    of the 5·a·s/h, softmax output (2), its dropout mask (1) and dropout output (2) are a·s²·b each.
    dropout=False drops the masks and the dropout output: s·b·h·(32 + 2·a·s/h).
    attention="fused" (FlashAttention-style SDPA) keeps no s×s tensor, only the fp32 log-sum-exp (4·a·s·b bytes).
    recompute: "selective" recomputes the attention core (§5): the s² terms go; "full" keeps the layer input, 2sbh;
    "matmul-outputs" is PyTorch's selective-checkpoint policy that saves the outputs of the four linears and
    recomputes everything else: the layer input plus QKV (3), projection (1), MLP up (4) and down (1) outputs, 10sbh
    values (an MLP of 4h, as in the paper).
    tensor_parallel t (§4.2.2, Table 2): 24 of the 34 and the s² terms are split t ways; sequence_parallel
    (§4.2.3) splits the remaining 10 as well.
    """
    return _saved_bytes_per_layer(seq_len, batch, hidden, heads, widths=(hidden, hidden, hidden),
                                  mlp_saved=8 * hidden, mlp_outputs=4 * hidden, dropout=dropout, attention=attention,
                                  recompute=recompute, tensor_parallel=tensor_parallel,
                                  sequence_parallel=sequence_parallel, bytes_per_value=bytes_per_value)


def layer_activation_bytes(shape: ModelShape, seq_len: int, batch: int, *, dropout: bool = False,
                           attention: Attention = "fused", recompute: Recompute = "none", tensor_parallel: int = 1,
                           sequence_parallel: bool = False, bytes_per_value: int = BYTES_16BIT) -> float:
    """`activation_bytes_per_layer`'s count (Korthikanti et al. 2022, §4.1) for a real layer's widths.

    The paper's layer has q = k = v = h and a 4h GeLU MLP; here each saved tensor has its own width: Q and the
    projection input a·d_head, K and V n_kv·d_head (GQA/MQA), and the MLP keeps, of its inner width i, the GeLU's
    input and output (2i) or, for SwiGLU (Llama, Qwen: down(silu(gate(x)) · up(x))), the gate output, the SiLU
    output, the up output and their product (4i). "matmul-outputs" saves QKV's, gate's and up's outputs
    (the linears split by tensor parallelism) besides the layer input and the two h-wide outputs.
    For q = k = v = h and a 4h GeLU MLP it is `activation_bytes_per_layer` exactly.
    """
    kv_width = shape.kv_heads * shape.head_dim
    inner = shape.intermediate * (4 if shape.mlp == "swiglu" else 2)
    outputs = shape.intermediate * (2 if shape.mlp == "swiglu" else 1)
    return _saved_bytes_per_layer(seq_len, batch, shape.hidden, shape.heads,
                                  widths=(shape.attention_width, kv_width, kv_width), mlp_saved=inner,
                                  mlp_outputs=outputs, dropout=dropout, attention=attention, recompute=recompute,
                                  tensor_parallel=tensor_parallel, sequence_parallel=sequence_parallel,
                                  bytes_per_value=bytes_per_value)


def _saved_bytes_per_layer(seq_len: int, batch: int, hidden: int, heads: int, *, widths: tuple[int, int, int],
                           mlp_saved: int, mlp_outputs: int, dropout: bool, attention: Attention,
                           recompute: Recompute, tensor_parallel: int, sequence_parallel: bool,
                           bytes_per_value: int) -> float:
    """The count both functions above share: per token, tensors split by tensor parallelism (Q, K, V, projection
    input, MLP inner) and tensors only sequence parallelism splits (LN inputs, QKV input, MLP input, masks)."""
    tokens, t = seq_len * batch, tensor_parallel
    sp = t if sequence_parallel else 1
    q_width, k_width, v_width = widths
    if recompute == "full":
        return bytes_per_value * tokens * hidden / sp
    if recompute == "matmul-outputs":  # QKV and MLP-up outputs are split by tensor parallelism, the rest not
        split_values = q_width + k_width + v_width + mlp_outputs
        return bytes_per_value * tokens * (split_values / t + 3 * hidden / sp)
    masks = 2 * hidden if dropout else 0
    split = bytes_per_value * (q_width + k_width + v_width + q_width + mlp_saved)
    replicated = bytes_per_value * 4 * hidden + masks  # LN inputs, QKV input, MLP input, the two dropout masks
    if recompute == "none" and attention == "math":
        score = (2 * bytes_per_value + 1) if dropout else bytes_per_value  # softmax out, mask, dropout out
        score_bytes = score * heads * seq_len * seq_len * batch
    elif recompute == "none":
        score_bytes = FP32_BYTES * heads * seq_len * batch
    else:
        score_bytes = 0
    return tokens * (split / t + replicated / sp) + score_bytes / t


def output_layer_activation_bytes(seq_len: int, batch: int, hidden: int, vocab: int, *,
                                  tensor_parallel: int = 1) -> float:
    """4·s·b·h·(1 + v/h) / t: the final norm's input (2sbh), the output projection's input (2sbh) and the logits the
    cross entropy keeps in fp32 (4sbv), split t ways (Korthikanti et al. 2022, arXiv:2205.05198, §4.3)."""
    return 4 * seq_len * batch * (hidden + vocab) / tensor_parallel


def activation_bytes_per_gpu(per_layer: float, layers: int, *, pipeline_parallel: int = 1,
                             recomputed_layer: float = 0.0, output_layer: float = 0.0) -> float:
    """The activations of the busiest pipeline stage, `per_layer` bytes kept by each of `layers` layers.

    1F1B (PipeDream-Flush) with at least p micro-batches a step: the first stage holds p micro-batches of its L/p
    layers, L layers' worth whatever p is (Korthikanti et al. 2022, §4.2.3; Narayanan et al. 2021, arXiv:2104.04473,
    §2.2.1); the last stage holds one micro-batch of L/p layers and the output layer (§4.3). With recomputation,
    the layer being recomputed holds its full activations during its backward (`recomputed_layer`: its bytes without
    recomputation less what it kept; Chen et al. 2016, arXiv:1604.06174, §3).
    """
    p = pipeline_parallel
    first = layers * per_layer + recomputed_layer + (output_layer if p == 1 else 0.0)
    last = layers / p * per_layer + recomputed_layer + output_layer
    return max(first, last)


def sdpa_saved_bytes(batch: int, heads: int, seq_len: int, head_dim: int, *, attention: Attention,
                     bytes_per_value: int = BYTES_16BIT, math_in_fp32: bool = True) -> float:
    """Bytes F.scaled_dot_product_attention keeps for backward with q, k, v of shape (b, a, s, d).

    math: q (scaled), kᵀ and v for the two batched matmuls plus the softmax output (b·a·s²); PyTorch's math path
    computes in fp32 for 16-bit inputs (`allowFP16BF16ReductionMathSDP` off by default), so 4 bytes each.
    fused (FlashAttention, Dao et al. 2022, arXiv:2205.14135, §3.1): q, k, v, the output and the fp32 log-sum-exp.
    """
    linear = batch * heads * seq_len * head_dim
    if attention == "math":
        value = FP32_BYTES if math_in_fp32 else bytes_per_value
        return value * (3 * linear + batch * heads * seq_len * seq_len)
    return 4 * bytes_per_value * linear + FP32_BYTES * batch * heads * seq_len


# ---------------------------------------------------------------- inference: the KV cache and the decode floor

def kv_cache_bytes_per_token(layers: int, kv_heads: int, head_dim: int, bytes_per_value: int = BYTES_16BIT) -> int:
    """2·L·n_kv·d_head·bytes: a K and a V vector per layer and KV head for every cached token.

    Pope et al. 2022 (arXiv:2211.05102), §2.1/§3.3; MQA (Shazeer 2019, arXiv:1911.02150) sets n_kv = 1,
    GQA (Ainslie et al. 2023, arXiv:2305.13245) 1 < n_kv < a.
    """
    return 2 * layers * kv_heads * head_dim * bytes_per_value


def kv_cache_bytes(shape: ModelShape, batch: int, seq_len: int, bytes_per_value: int = BYTES_16BIT) -> int:
    """The whole cache of `batch` sequences of `seq_len` tokens."""
    return batch * seq_len * kv_cache_bytes_per_token(shape.layers, shape.kv_heads, shape.head_dim, bytes_per_value)


def kv_cache_bytes_per_gpu(shape: ModelShape, batch: int, seq_len: int, bytes_per_value: float = BYTES_16BIT, *,
                           tensor_parallel: int = 1, pipeline_parallel: int = 1) -> float:
    """The cache one GPU holds when tensor parallelism splits the KV heads t ways and pipeline parallelism the layers
    p ways; with fewer KV heads than t each GPU keeps a whole (replicated) head (Pope et al. 2022, §3.3: multiquery
    attention's single head is replicated across the model-parallel chips)."""
    heads_per_gpu = -(-shape.kv_heads // tensor_parallel)  # ceil: a head is never split
    return batch * seq_len * 2 * shape.layers / pipeline_parallel * heads_per_gpu * shape.head_dim * bytes_per_value


def decode_floor_seconds(bytes_read: float, bandwidth_bytes_per_second: float) -> float:
    """Memory-bound floor of one decode step: every weight and the cache read once, at the measured bandwidth.

    The roofline model (Williams et al. 2009) applied to decoding (Pope et al. 2022, §2.2): at small batch a step
    does ~2 FLOPs per weight byte pair, far below the ridge point, so bytes / bandwidth bounds its time.
    """
    return bytes_read / bandwidth_bytes_per_second


# ---------------------------------------------------------------- a lab run's peak memory (checked before it starts)
# Estimates, not bounds: the largest tensors a run holds at once, so that a run that cannot fit is refused before it
# starts instead of failing (or swapping the machine to a halt) an hour in. Labs/specs/*.py put them together.

RUNTIME_BYTES = 512 * 2**20  # a process with torch imported (host), or a CUDA context (GPU), before any tensor


def adamw_training_bytes(params: float, *, weight_bytes: float = FP32_BYTES, grad_bytes: float = FP32_BYTES) -> float:
    """Weights, gradients and AdamW's fp32 m and v of a model trained in full: 16 bytes a parameter in fp32, the same
    with fp32 master weights under autocast (Kingma & Ba 2015; the K = 12 of ZeRO §3.1 is the master copy + m + v)."""
    return (weight_bytes + grad_bytes) * params + adam_state_bytes(params)


def cross_entropy_bytes(tokens: float, vocab: int, *, copies: int = 4) -> float:
    """A language model's loss at its peak: fp32 logits, the log-softmax F.cross_entropy keeps for backward, and the
    two gradients of the same size backward makes on the way down, `copies` × 4·tokens·vocab bytes."""
    return copies * FP32_BYTES * tokens * vocab


def decoder_training_peak_bytes(shape: ModelShape, seq_len: int, batch: int, *, bytes_per_value: int = FP32_BYTES,
                                attention: Attention = "fused") -> float:
    """One training step of a decoder at its peak: full AdamW model states (`adamw_training_bytes`), every layer's
    saved activations (`layer_activation_bytes`, Korthikanti et al. 2022 §4.1, in `bytes_per_value`), the final
    norm's and output projection's inputs (2·s·b·h values) and the loss (`cross_entropy_bytes`)."""
    tokens = seq_len * batch
    activations = shape.layers * layer_activation_bytes(shape, seq_len, batch, attention=attention,
                                                        bytes_per_value=bytes_per_value)
    return (adamw_training_bytes(param_count(shape)) + activations + 2 * bytes_per_value * tokens * shape.hidden
            + cross_entropy_bytes(tokens, shape.vocab))


def math_attention_peak_bytes(batch: int, heads: int, seq_len: int, head_dim: int) -> float:
    """A math-path attention forward + backward at its peak, in fp32 (what PyTorch's math SDPA computes in): the s×s
    scores, their softmax and, in backward, the two gradients of that size (4 · b·a·s²), plus q, k, v, the output and
    their gradients (8 · b·a·s·d)."""
    return FP32_BYTES * (4 * batch * heads * seq_len**2 + 8 * batch * heads * seq_len * head_dim)


def decoder_inference_bytes(shape: ModelShape, batch: int, seq_len: int, bytes_per_value: int = BYTES_16BIT) -> float:
    """Decoding `batch` sequences of up to `seq_len` tokens: the weights, the whole KV cache (`kv_cache_bytes`) and
    the widest activations of one forward over the full sequence (the MLP's three inner tensors, fp32 logits)."""
    tokens = batch * seq_len
    return (bytes_per_value * param_count(shape) + kv_cache_bytes(shape, batch, seq_len, bytes_per_value)
            + bytes_per_value * 3 * tokens * shape.intermediate + FP32_BYTES * tokens * shape.vocab)
