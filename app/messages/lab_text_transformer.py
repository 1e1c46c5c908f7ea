"""English for the Chinese text of the transformer labs (activation-memory, attention, kv-cache, model-math).

The same shape and rules as app/messages/lab_text.py (which has the ZeRO, mixed-precision and LoRA labs' text).
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # ---------------------------------------------------------------- activation-memory
    "labs.text.act.case.none": {"zh": "不重算 / none", "en": "no recompute / none"},
    "labs.text.act.case.selective": {
        "zh": "选择性：重算注意力核心（论文 §5）",
        "en": "selective: recompute the attention core (paper §5)"},
    "labs.text.act.case.sac": {"zh": "SAC：只存 4 个 Linear 的输出", "en": "SAC: keep only the 4 Linear outputs"},
    "labs.text.act.case.full": {"zh": "全量：只存层输入", "en": "full: keep only the layer input"},
    "labs.text.act.progress.sweep": {"zh": "扫描 {axis}", "en": "sweeping {axis}"},
    "labs.text.act.progress.checkpoint": {"zh": "检查点：{strategy}", "en": "checkpointing: {strategy}"},
    "labs.text.act.progress.accumulation": {"zh": "梯度累积", "en": "gradient accumulation"},
    "labs.text.act.check.sweep": {
        "zh": "每层保存字节 = sbh(34 + 5as/h)（Korthikanti §4.1 式 1），{axis} 扫描最大点 s={s}, b={b}, h={h}, a={a}",
        "en": "Bytes saved per layer = sbh(34 + 5as/h) (Korthikanti §4.1, eq. 1), at the largest point of the {axis} "
              "sweep: s={s}, b={b}, h={h}, a={a}"},
    "labs.text.act.chart.sweep": {
        "zh": "每层激活字节随 {axis} 变化（MB）",
        "shown_zh": "每层激活字节随 {axis} 变化",
        "en": "Activation bytes per layer by {axis}"},
    "labs.text.act.series.measured": {"zh": "实测 saved_tensors_hooks", "en": "measured (saved_tensors_hooks)"},
    "labs.text.act.check.no_dropout": {
        "zh": "不用 dropout 时每层保存字节 = sbh(32 + 2as/h)（少了 3 个 mask 与 dropout 输出）",
        "en": "Without dropout, bytes saved per layer = sbh(32 + 2as/h) (3 masks and the dropout outputs fewer)"},
    "labs.text.act.check.fused": {
        "zh": "融合注意力（FlashAttention 后端）：每层 = sbh(34) + 4abs（只存 log-sum-exp，没有 s×s 矩阵）",
        "en": "Fused attention (FlashAttention backend): per layer = sbh(34) + 4abs (only the log-sum-exp, no s×s "
              "matrix)"},
    "labs.text.act.check.fused_linear": {
        "zh": "融合注意力的激活随 s 线性增长：s 翻倍，字节数翻倍",
        "en": "Fused attention's activations grow linearly with s: double s, double the bytes"},
    "labs.text.act.check.cuda": {
        "zh": "CUDA 分配器：一次前向后多占的字节 = sbh(34 + 5as/h)",
        "en": "CUDA allocator: bytes held after one forward = sbh(34 + 5as/h)"},
    "labs.text.act.check.selective": {
        "zh": "选择性重算（只重算注意力核心，论文 §5）：每层只剩 34sbh",
        "en": "Selective recomputation (the attention core only, paper §5): 34sbh per layer left"},
    "labs.text.act.check.sac": {
        "zh": "create_selective_checkpoint_contexts 只存 Linear 输出：层输入 + 9 个 sbh 输出 = 20sbh",
        "en": "create_selective_checkpoint_contexts keeping only Linear outputs: layer input + 9 sbh outputs = 20sbh"},
    "labs.text.act.check.full": {
        "zh": "全量检查点：每层只存输入 2sbh",
        "en": "Full checkpointing: each layer keeps only its input, 2sbh"},
    "labs.text.act.check.same_grads": {
        "zh": "检查点不改变梯度：各策略梯度与不重算时的余弦相似度 = 1（取最小）",
        "en": "Checkpointing leaves the gradients alone: cosine similarity to no recompute = 1 (the smallest over "
              "strategies)"},
    "labs.text.act.check.extra_forward": {
        "zh": "全量重算多付一次前向：检查点步时 = 普通步时 + 前向时间",
        "en": "Full recomputation costs one more forward: checkpointed step time = plain step time + forward time"},
    "labs.text.act.table.checkpoint": {
        "zh": "激活检查点：每层保留的字节与步时（s={s}, b={b}, h={h}, a={a}）",
        "en": "Activation checkpointing: bytes kept per layer and step time (s={s}, b={b}, h={h}, a={a})"},
    "labs.text.act.check.accumulation": {
        "zh": "梯度累积：{k} 个 micro-batch（各 b/{k2}）的梯度与一个 batch b 的相同（fp32，余弦相似度 = 1）",
        "en": "Gradient accumulation: the gradients of {k} micro-batches (b/{k2} each) equal those of one batch b "
              "(fp32, cosine similarity = 1)"},
    "labs.text.act.check.norm": {
        "zh": "梯度累积：累积梯度的范数 / 整批梯度的范数 = 1",
        "en": "Gradient accumulation: norm of the accumulated gradient / norm of the full batch's = 1"},
    "labs.text.act.check.memory": {
        "zh": "梯度累积：激活显存约为 1/{k}（整批 / micro-batch 的激活字节 = {k2}）",
        "en": "Gradient accumulation: about 1/{k} of the activation memory (full batch / micro-batch activation "
              "bytes = {k2})"},
    "labs.text.act.table.accumulation": {
        "zh": "梯度累积：1 × batch {b} vs {k} × batch {m}（fp32，无 dropout）",
        "en": "Gradient accumulation: 1 × batch {b} vs {k} × batch {m} (fp32, no dropout)"},
    "labs.text.act.table.saved": {
        "zh": "每层保存的字节：实测（saved_tensors_hooks）vs sbh(34 + 5as/h)",
        "en": "Bytes saved per layer: measured (saved_tensors_hooks) vs sbh(34 + 5as/h)"},
    "labs.text.act.table.variants": {
        "zh": "同一层的三种写法：公式的哪个版本成立",
        "en": "One layer written three ways: which version of the formula holds"},
    "labs.text.act.chart.checkpoint": {
        "zh": "激活检查点：省下的显存 vs 多付的时间",
        "en": "Activation checkpointing: memory saved vs time paid"},
    "labs.text.act.axis.relative": {"zh": "相对不重算", "en": "relative to no recompute"},
    "labs.text.act.note.layer": {
        "zh": "层的写法与论文逐项对应：pre-LN、显式数学注意力（QKᵀ、softmax、dropout、·V 全是 bf16）、4h GeLU MLP、"
              "softmax 后与两个投影后的 dropout；dropout 用 torch.native_dropout（1 字节 mask，与 Megatron 的融合 "
              "dropout 一致；CPU 上的 F.dropout 会存 2 字节的噪声张量）。因此它对应式 (1) 的 sbh(34 + 5as/h)。",
        "en": "The layer follows the paper term by term: pre-LN, explicit maths attention (QKᵀ, softmax, dropout, ·V,"
              " all bf16), a 4h GeLU MLP, dropout after the softmax and after both projections; dropout is "
              "torch.native_dropout (a 1-byte mask, like Megatron's fused dropout; F.dropout on CPU keeps a 2-byte "
              "noise tensor). So it matches eq. (1), sbh(34 + 5as/h)."},
    "labs.text.act.note.measured": {
        "zh": "实测口径：saved_tensors_hooks 收到的张量按 storage 去重（同一块内存的多个视图只算一次），参数不计；"
              "LayerNorm 的 mean/rstd（每个 token 8 字节 fp32）不在公式里，是误差的主要来源（< 0.1%）。",
        "en": "What is measured: the tensors saved_tensors_hooks receives, de-duplicated by storage (several views "
              "of one block count once), parameters left out; LayerNorm's mean/rstd (8 bytes of fp32 per token) are "
              "not in the formula and are most of the error (< 0.1%)."},
    "labs.text.act.note.kept": {
        "zh": "检查点的“保留字节”用 TorchDispatchMode 记下前向中新建的每块 storage，前向结束后仍存活的才算（包括 "
              "checkpoint 为重算保存的输入、SAC 缓存的算子输出）；autograd 的钩子看不到这些，所以不能只用 "
              "saved_tensors_hooks。",
        "en": "Checkpointing's “kept bytes” come from a TorchDispatchMode that records every storage created in the "
              "forward and counts those still alive after it (the inputs checkpoint saves for recomputation, the op "
              "outputs SAC caches); autograd's hooks do not see these, so saved_tensors_hooks alone will not do."},
    "labs.text.act.note.fused": {
        "zh": "融合注意力（F.scaled_dot_product_attention，FLASH_ATTENTION 后端）不存 s×s 矩阵：q、k、v、"
              "输出与每行一个 fp32 log-sum-exp；它的 dropout 在核内用随机数种子重放，不存 mask。",
        "en": "Fused attention (F.scaled_dot_product_attention, FLASH_ATTENTION backend) keeps no s×s matrix: q, k, "
              "v, the output and one fp32 log-sum-exp per row; its dropout is replayed in the kernel from the random "
              "seed, with no mask kept."},
    "labs.text.act.note.selective": {
        "zh": "选择性重算有两种：论文 §5 的只重算注意力核心（对注意力核心单独 checkpoint），以及 PyTorch 的 "
              "create_selective_checkpoint_contexts 策略（这里：保存 aten.mm/addmm 的输出，其余都重算）。",
        "en": "Selective recomputation comes in two kinds: the paper's §5, recomputing only the attention core "
              "(checkpointing it alone), and PyTorch's create_selective_checkpoint_contexts policies (here: keep the "
              "outputs of aten.mm/addmm, recompute the rest)."},
    "labs.text.act.note.cpu": {
        "zh": "CPU 上的步时只作参照（两核、与其他进程共享）；“多付一次前向”的时间检查只在 GPU 上做。",
        "en": "Step times on CPU are only for reference (two cores, shared with other processes); the “one more "
              "forward” time check runs on GPUs only."},
    "labs.text.act.note.times": {
        "zh": "步时中位数（ms）：不重算 {none}，前向 {forward}，全量检查点 {full}。",
        "en": "Median step times (ms): no recompute {none}, forward {forward}, full checkpointing {full}."},
    # ---------------------------------------------------------------- attention
    "labs.text.attn.causal": {"zh": "因果", "en": "causal"},
    "labs.text.attn.non_causal": {"zh": "非因果", "en": "non-causal"},
    "labs.text.attn.note.oom": {
        "zh": "{name} 在 s={seq} 显存不足，跳过更长的序列。",
        "en": "{name} ran out of memory at s={seq}; longer sequences skipped."},
    "labs.text.attn.note.unavailable": {
        "zh": "{name} 不可用（s={seq}）：{error}",
        "en": "{name} not available (s={seq}): {error}"},
    "labs.text.attn.progress.agreement": {"zh": "数值一致性", "en": "numerical agreement"},
    "labs.text.attn.check.math_square": {
        "zh": "数学实现保存 s×s 的 softmax 输出（fp32）：saved(s={s2}) − {ratio}·saved(s={s1}) = 4·b·a·(s₂² − s₁s₂)",
        "en": "The maths implementation keeps the s×s softmax output (fp32): saved(s={s2}) − {ratio}·saved(s={s1}) = "
              "4·b·a·(s₂² − s₁s₂)"},
    "labs.text.attn.check.math_bytes": {
        "zh": "数学实现在 s={s} 保存的字节 = 4·(3·b·a·s·d + b·a·s²)（q、kᵀ、v 与概率矩阵，fp32）",
        "en": "Bytes the maths implementation saves at s={s} = 4·(3·b·a·s·d + b·a·s²) (q, kᵀ, v and the "
              "probabilities, fp32)"},
    "labs.text.attn.check.flash_bytes": {
        "zh": "{name} 在 s={s} 保存的字节 = 2·4·b·a·s·d + 4·b·a·s（q、k、v、输出与 fp32 log-sum-exp，无 s×s）",
        "en": "Bytes {name} saves at s={s} = 2·4·b·a·s·d + 4·b·a·s (q, k, v, the output and an fp32 log-sum-exp; no "
              "s×s)"},
    "labs.text.attn.check.flash_linear": {
        "zh": "FlashAttention 保存的字节随 s 线性增长：saved(s={s2}) / saved(s={s1}) = {ratio}",
        "en": "FlashAttention's saved bytes grow linearly with s: saved(s={s2}) / saved(s={s1}) = {ratio}"},
    "labs.text.attn.check.flash_peak": {
        "zh": "FlashAttention 前向+反向的峰值显存随 s 线性增长：峰值比 = {ratio}",
        "en": "FlashAttention's forward + backward peak memory grows linearly with s: peak ratio = {ratio}"},
    "labs.text.attn.check.flash_time": {
        "zh": "FlashAttention 计算量 ∝ s²：s 从 {s1} 到 {s2}，前向+反向时间 ×4",
        "en": "FlashAttention's work ∝ s²: from s={s1} to s={s2}, forward + backward time ×4"},
    "labs.text.attn.check.agree": {
        "zh": "所有后端算的是同一个函数：s={s} 时输出与 fp32 数学参考在 bf16 舍入内（|Δ| ≤ 0.02 + 0.02|ref|）的比例 = "
              "1（取各后端最小）",
        "en": "Every backend computes the same function: at s={s} the share of outputs within bf16 rounding of the "
              "fp32 maths reference (|Δ| ≤ 0.02 + 0.02|ref|) = 1 (the smallest over backends)"},
    "labs.text.attn.table.backends": {
        "zh": "各后端前向+反向（b={b}, a={a}, d={d}, {mask}, bf16）",
        "en": "Forward + backward per backend (b={b}, a={a}, d={d}, {mask}, bf16)"},
    "labs.text.attn.table.speedup": {"zh": "加速比（相对 MATH）", "en": "Speed-up (over MATH)"},
    "labs.text.attn.chart.time": {
        "zh": "前向+反向时间随序列长度（ms）",
        "shown_zh": "前向+反向时间随序列长度",
        "en": "Forward + backward time by sequence length"},
    "labs.text.attn.chart.saved": {
        "zh": "为反向保存的字节随序列长度（MiB）",
        "shown_zh": "为反向保存的字节随序列长度",
        "en": "Bytes saved for backward by sequence length"},
    "labs.text.attn.chart.peak": {
        "zh": "前向+反向的峰值显存（MiB，高于输入）",
        "shown_zh": "前向+反向的峰值显存（高于输入）",
        "en": "Forward + backward peak memory (above the inputs)"},
    "labs.text.attn.note.saved": {
        "zh": "“保存的字节”是 saved_tensors_hooks 收到的张量按 storage 去重后的总和；“峰值显存”是 fwd+bwd 期间 CUDA "
              "分配器的峰值减去开始时已分配的字节（q、k、v、grad_out 之外新增的部分），CPU 上为空。",
        "en": "“Saved bytes” sum the tensors saved_tensors_hooks receives, de-duplicated by storage; “peak memory” "
              "is the CUDA allocator's peak during forward + backward minus what was allocated at the start (what "
              "comes on top of q, k, v and grad_out); empty on CPU."},
    "labs.text.attn.note.math_fp32": {
        "zh": "数学实现（MATH）对 bf16 输入在 fp32 中计算（PyTorch 的 allowFP16BF16ReductionMathSDP 默认关闭），所以 "
              "s×s 的 softmax 输出每个元素 4 字节；它随 s² 增长，融合内核只随 s 增长。",
        "en": "The maths implementation (MATH) computes bf16 inputs in fp32 (PyTorch's allowFP16BF16ReductionMathSDP "
              "is off by default), so the s×s softmax output takes 4 bytes an element; it grows with s², the fused "
              "kernels only with s."},
    "labs.text.attn.note.tflops": {
        "zh": "tflops 按 3.5 × 4·b·a·s²·d 计（前向 2 个矩阵乘、反向 5 个，含重算分数矩阵），因果时减半；MATH "
              "反向实际不重算，所以它的 tflops 只作同一口径的比较。",
        "en": "tflops counts 3.5 × 4·b·a·s²·d (2 matmuls forward, 5 backward including recomputing the scores), "
              "halved when causal; MATH does not really recompute in backward, so its tflops only compare on the "
              "same footing."},
    "labs.text.attn.note.cpu": {
        "zh": "CPU 只有 MATH 与 FLASH_ATTENTION（CPU 版 flash 内核）两个后端；时间只作参照。",
        "en": "On CPU there are only two backends, MATH and FLASH_ATTENTION (the CPU flash kernel); times are only "
              "for reference."},
    # ---------------------------------------------------------------- kv-cache
    "labs.text.kv.progress.bandwidth": {"zh": "显存带宽", "en": "memory bandwidth"},
    "labs.text.kv.check.bytes": {
        "zh": "{kind}（n_kv={n}）缓存字节/token = 2·L·n_kv·d_head·{element} = {product}",
        "en": "{kind} (n_kv={n}) cache bytes per token = 2·L·n_kv·d_head·{element} = {product}"},
    "labs.text.kv.check.allocator": {
        "zh": "{kind}：prefill 后 CUDA 分配器增长 = 缓存字节（{tokens} 个 token）",
        "en": "{kind}: CUDA allocator growth after prefill = cache bytes ({tokens} tokens)"},
    "labs.text.kv.check.linear": {
        "zh": "缓存随长度线性增长：{start} → {end} 个 token，字节数之比 = 长度之比",
        "en": "The cache grows linearly with length: {start} → {end} tokens, bytes ratio = length ratio"},
    "labs.text.kv.check.same_logits": {
        "zh": "有缓存的解码与每步重算整个前缀得到同样的 logits（余弦相似度 = 1，取最小）",
        "en": "Decoding with the cache gives the same logits as recomputing the whole prefix each step (cosine "
              "similarity = 1, the smallest)"},
    "labs.text.kv.table.models": {
        "zh": "真实模型的 KV 缓存（公式，bf16）",
        "en": "The KV cache of real models (formula, bf16)"},
    "labs.text.kv.table.variants": {"zh": "MHA / GQA / MQA（{details}）", "en": "MHA / GQA / MQA ({details})"},
    "labs.text.kv.chart.bytes": {
        "zh": "每个 token 的缓存字节：公式 vs 实测（KiB）",
        "shown_zh": "每个 token 的缓存字节：公式 vs 实测",
        "en": "Cache bytes per token: formula vs measured"},
    "labs.text.kv.chart.throughput": {
        "zh": "解码吞吐：有缓存 vs 无缓存（tokens/s）",
        "en": "Decoding throughput: with vs without the cache (tokens/s)"},
    "labs.text.kv.series.measured": {"zh": "实测", "en": "measured"},
    "labs.text.kv.note.bandwidth": {
        "zh": "实测带宽 = 一次 {size} 设备内拷贝的（读 + 写）字节 / 时间 = {gbs} GB/s；下限 = 每步必须读的字节（除 "
              "embedding 外的全部权重、整个缓存）÷ 该带宽。",
        "en": "Measured bandwidth = (read + write) bytes of one {size} on-device copy / time = {gbs} GB/s; floor = "
              "bytes each step must read (all weights but the embedding, the whole cache) ÷ that bandwidth."},
    "labs.text.kv.note.uncached": {
        "zh": "无缓存的解码每一步都把整个前缀重新前向一遍（同样的 token，teacher forcing），所以它的时间随长度增长；"
              "有缓存时每步只算 1 个新 token，读一遍权重和缓存。",
        "en": "Decoding without the cache runs the whole prefix forward again every step (the same tokens, teacher "
              "forcing), so its time grows with length; with the cache each step computes 1 new token and reads the "
              "weights and the cache once."},
    "labs.text.kv.note.models": {
        "zh": "模型都由 LlamaConfig 随机初始化（未下载权重），只改 num_key_value_heads：MHA = 头数（Llama-2-7B），GQA "
              "= 8（Llama-2-70B、Llama-3），MQA = 1（PaLM、Falcon）。",
        "en": "Every model is a LlamaConfig initialised at random (no weights downloaded) that differs only in "
              "num_key_value_heads: MHA = heads (Llama-2-7B), GQA = 8 (Llama-2-70B, Llama-3), MQA = 1 (PaLM, Falcon)."},
    "labs.text.kv.note.cpu": {
        "zh": "CPU 上不测带宽下限（小模型在缓存里，时间由开销决定）；CPU 上的吞吐只作参照。",
        "en": "No bandwidth floor on CPU (a small model sits in the caches and overhead sets the time); throughput "
              "on CPU is only for reference."},
    "labs.text.kv.progress.floor": {
        "zh": "带宽下限（大层，batch 1…64）",
        "en": "bandwidth floor (large layers, batch 1…64)"},
    "labs.text.kv.check.floor": {
        "zh": "batch {b} 解码受显存带宽限制：一步的矩阵乘（模型每个 Linear 的权重各读一次，{gb} GB）耗时 ≈ 权重字节 ÷ "
              "实测带宽（{tbs} TB/s）；容差 30%",
        "en": "Decoding at batch {b} is bound by memory bandwidth: one step's matmuls (every Linear's weights read "
              "once, {gb} GB) take ≈ weight bytes ÷ measured bandwidth ({tbs} TB/s); 30% tolerance"},
    "labs.text.kv.table.floor": {
        "zh": "解码的屋顶线下限：{layers} 层 × (h={h}, MLP {mlp}, {heads}/{kv} 头)，提示 {prompt} token",
        "en": "Decoding's roofline floor: {layers} layers × (h={h}, MLP {mlp}, {heads}/{kv} heads), {prompt}-token "
              "prompt"},
    "labs.text.kv.note.floor": {
        "zh": "step_floor_ms（权重 + 缓存 ÷ 带宽）对 7B 形状模型远低于 HF 的实测步时：HF eager "
              "的一步除了读权重的矩阵乘，还有每层几十个小算子、Python 与框架开销。",
        "en": "step_floor_ms (weights + cache ÷ bandwidth) is far below HF's measured step time for a 7B-shaped "
              "model: besides the matmuls that read the weights, an HF eager step runs dozens of small ops per layer,"
              " plus Python and framework overhead."},
    "labs.text.kv.note.floor_check": {
        "zh": "下限的检查因此量一步里必须做的部分：大层模型（Llama-3.1-405B 的层形状）的每个 Linear 以解码的 batch "
              "各做一次 F.linear（weight_read_ms），它读完全部权重；hf_other_ms = HF 步时 − 这部分。",
        "en": "So the floor check measures what a step must do: every Linear of a large-layer model "
              "(Llama-3.1-405B's layer shape) run once as F.linear at the decoding batch (weight_read_ms), which "
              "reads all the weights; hf_other_ms = HF's step time − that."},
    "labs.text.kv.note.flat": {
        "zh": "batch 1…64 的 weight_read_ms 几乎不变：受带宽限制时多解几条序列几乎不花时间（直到 FLOPs ÷ 峰值追上字节 "
              "÷ 带宽）。",
        "en": "weight_read_ms hardly changes from batch 1 to 64: when bandwidth is the bound, decoding more "
              "sequences costs almost nothing (until FLOPs ÷ peak catches up with bytes ÷ bandwidth)."},
    "labs.text.kv.check.floor_step": {
        "zh": "解码受显存带宽限制：batch {b} 每步时间 ≈ 每步读的字节（{gb} GB：权重 + 缓存）÷ 实测带宽（{tbs} TB/s），"
              "与 FLOPs ÷ 实测峰值取大；容差 40%",
        "en": "Decoding is bound by memory bandwidth: at batch {b} step time ≈ bytes read per step ({gb} GB: weights "
              "+ cache) ÷ measured bandwidth ({tbs} TB/s), or FLOPs ÷ measured peak if larger; 40% tolerance"},
    "labs.text.kv.note.floor_largest_batch": {
        "zh": "step_floor_ms（权重 + 缓存 ÷ 带宽）对 7B 形状模型远低于实测：HF eager 每层几十个小算子的发射开销，"
              "以及小 batch（M = 1…8）的矩阵乘远达不到拷贝带宽（见 bare_linear_tb_per_s）；"
              "所以下限的检查用层大到读权重占主导的模型（Llama-3.1-405B 的层形状），在最大的 batch 上做；batch 1…64 "
              "每步时间几乎不变，正是受带宽限制的标志。",
        "en": "step_floor_ms (weights + cache ÷ bandwidth) is far below the measurement for a 7B-shaped model: HF "
              "eager launches dozens of small ops per layer, and matmuls at small batch (M = 1…8) fall far short of "
              "copy bandwidth (see bare_linear_tb_per_s); so the floor is checked on layers large enough for weight "
              "reads to dominate (Llama-3.1-405B's layer shape), at the largest batch; that the step time hardly "
              "changes from batch 1 to 64 is the mark of a bandwidth bound."},
    # ---------------------------------------------------------------- model-math
    "labs.text.mm.progress.count": {"zh": "数参数：{name}", "en": "counting parameters: {name}"},
    "labs.text.mm.progress.peak": {"zh": "实测矩阵乘峰值", "en": "measuring the matmul peak"},
    "labs.text.mm.progress.train": {"zh": "训练步", "en": "training steps"},
    "labs.text.mm.check.params": {
        "zh": "{name} 参数量：公式（embedding + L·(注意力 + MLP + 2 norm) + norm + lm_head） = transformers 在 meta "
              "设备上构建的模型",
        "en": "{name} parameters: the formula (embedding + L·(attention + MLP + 2 norms) + norm + lm_head) = the "
              "model transformers builds on the meta device"},
    "labs.text.mm.check.train_flops": {
        "zh": "训练 FLOPs/token（FlopCounterMode，前向 + 反向）= 6N + 12·L·s·d，N={n}，s={s}",
        "en": "Training FLOPs per token (FlopCounterMode, forward + backward) = 6N + 12·L·s·d, N={n}, s={s}"},
    "labs.text.mm.check.forward_flops": {
        "zh": "前向 FLOPs/token = 2N + 4·L·s·d（反向是前向的 2 倍）",
        "en": "Forward FLOPs per token = 2N + 4·L·s·d (backward is twice the forward)"},
    "labs.text.mm.check.time": {
        "zh": "训练时间 = FLOPs / (G·峰值·MFU)：用 batch {b} 测得的 MFU ({mfu}) 预测 batch {b2} 的步时",
        "en": "Training time = FLOPs / (G·peak·MFU): the MFU measured at batch {b} ({mfu}) predicts the step time at "
              "batch {b2}"},
    "labs.text.mm.table.params": {
        "zh": "真实配置的参数量（meta 设备实测 vs 公式）",
        "en": "Parameter counts of real configs (meta device vs formula)"},
    "labs.text.mm.table.flops": {
        "zh": "每 token 的 FLOPs（L={l}, h={h}, s={s}）",
        "en": "FLOPs per token (L={l}, h={h}, s={s})"},
    "labs.text.mm.table.train": {
        "zh": "训练步与 MFU（{dtype}，实测峰值 {peak} TFLOP/s）",
        "en": "Training steps and MFU ({dtype}, measured peak {peak} TFLOP/s)"},
    "labs.text.mm.table.calculator": {
        "zh": "训练 {tokens}B token、{gpus} 张本机同型 GPU、MFU = {mfu} 需要的时间（s={s}）",
        "en": "Time to train {tokens}B tokens on {gpus} GPUs like this one at MFU = {mfu} (s={s})"},
    "labs.text.mm.chart.flops": {
        "zh": "每 token 训练 FLOPs：6N、6N + 12Lsd 与 FlopCounterMode",
        "en": "Training FLOPs per token: 6N, 6N + 12Lsd and FlopCounterMode"},
    "labs.text.mm.note.measured": {
        "zh": "参数量的“实测”是 transformers 在 meta 设备上构建的模型的 sum(p.numel())（共享的 embedding 只算一次），"
              "不分配内存；配置数值取自各模型在 Hugging Face 上的 config.json（表中 config_source）。",
        "en": "“Measured” parameter counts are sum(p.numel()) of the model transformers builds on the meta device (a "
              "shared embedding counted once), with no memory allocated; the config values come from each model's "
              "config.json on Hugging Face (config_source in the table)."},
    "labs.text.mm.note.n": {
        "zh": "N = 参与矩阵乘的权重（各层 Linear + lm_head，不含 embedding 查表与 norm）；FlopCounterMode "
              "只数矩阵乘（mm/addmm/bmm），按 2·m·n·k；注意力按完整 s×s 计（不因因果掩码减半），与 PaLM 附录 B "
              "的口径一致。",
        "en": "N = the weights in matmuls (every layer's Linears + lm_head, not the embedding lookup or norms); "
              "FlopCounterMode counts matmuls only (mm/addmm/bmm) at 2·m·n·k; attention is counted as the full s×s "
              "(not halved for the causal mask), as in PaLM's appendix B."},
    "labs.text.mm.note.eager": {
        "zh": "FLOPs 用 eager 注意力数（QKᵀ 与 PV 是 FlopCounterMode 数得到的 bmm）；计时用 SDPA（FlashAttention），"
              "MFU 的分子是模型 FLOPs 6N + 12Lsd，不含重算。",
        "en": "FLOPs are counted with eager attention (QKᵀ and PV are bmms FlopCounterMode sees); timing uses SDPA "
              "(FlashAttention), and MFU's numerator is the model FLOPs 6N + 12Lsd, without recomputation."},
    "labs.text.mm.note.peak": {
        "zh": "峰值是本次运行中 {n}³ 矩阵乘的最好成绩（实测），不是数据表数值；计算器假设 G 张同型 GPU、MFU "
              "不随规模变化，且不计通信与故障。",
        "en": "The peak is this run's best {n}³ matmul (measured), not a datasheet figure; the calculator assumes G "
              "identical GPUs and an MFU that does not change with scale, and leaves out communication and failures."},
    "labs.text.mm.note.llama2": {
        "zh": "Llama 2 一行用论文表 2 报告的 A100 GPU 小时与 2.0T token 反推 MFU = (6N + 12Lsd)·D / (GPU "
              "小时·3600·312 TFLOP/s，A100 数据表的 bf16 稠密峰值)，s = 4096。",
        "en": "The Llama 2 row works back from the A100 GPU hours and 2.0T tokens in the paper's table 2 to MFU = "
              "(6N + 12Lsd)·D / (GPU hours·3600·312 TFLOP/s, the A100 datasheet's dense bf16 peak), s = 4096."},
    "labs.text.mm.note.cpu": {
        "zh": "CPU 上全程 fp32、峰值是 fp32 矩阵乘；步时受其他进程影响，预测步时的检查只在 GPU 上做。",
        "en": "On CPU everything is fp32 and the peak is an fp32 matmul; step times suffer from other processes, so "
              "the step-time prediction is checked on GPUs only."},
}
