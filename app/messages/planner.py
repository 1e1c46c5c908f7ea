"""Text of the memory planner (/planner, `preplab plan`): Chinese first, English second."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "nav.planner": {"zh": "显存规划", "en": "Memory planner"},
    "planner.title": {"zh": "显存规划器", "en": "Memory planner"},
    "planner.intro": {
        "zh": "这个模型放得下吗？按你的设置逐项算出每张 GPU 要存的字节：权重、梯度、优化器状态、激活、KV 缓存，"
              "外加一笔说明了来源的余量。"
              "每一项都是实验自己的公式（labs/formulas.py），实验在真实 GPU 上核对过它们；点每一项旁的实验看实测。",
        "en": "Does it fit? Per-GPU bytes for your set-up, term by term — weights, gradients, optimizer states, "
              "activations, KV cache — plus a stated allowance. Every term is the labs' own formula "
              "(labs/formulas.py), checked by the labs against measurements on real GPUs; follow the lab beside a "
              "term to see them."},
    "planner.from_labs": {"zh": "显存规划器：这个模型训练或推理时每卡要多少显存（用这些实验的公式）",
                          "en": "Memory planner: how much memory per GPU a model needs to train or serve (with these "
                                "labs' formulas)"},
    "planner.compute": {"zh": "计算", "en": "Compute"},
    "planner.json": {"zh": "JSON", "en": "JSON"},
    "planner.command": {"zh": "命令行：", "en": "On the command line:"},
    "planner.group.model": {"zh": "模型与任务", "en": "Model and task"},
    "planner.group.custom": {"zh": "自定义尺寸（空白 = Llama-2-7B 的值）", "en": "Custom sizes (blank: Llama-2-7B's)"},
    "planner.group.train": {"zh": "训练", "en": "Training"},
    "planner.group.parallel": {"zh": "模型并行", "en": "Model parallelism"},
    "planner.group.infer": {"zh": "推理", "en": "Inference"},
    "planner.group.budget": {"zh": "GPU 与余量", "en": "GPU and allowance"},
    # fields
    "planner.field.model": {"zh": "模型", "en": "Model"},
    "planner.field.mode": {"zh": "任务", "en": "Task"},
    "planner.field.hidden": {"zh": "隐藏维度 h", "en": "Hidden size h"},
    "planner.field.layers": {"zh": "层数 L", "en": "Layers L"},
    "planner.field.heads": {"zh": "注意力头数 a", "en": "Attention heads a"},
    "planner.field.kv_heads": {"zh": "KV 头数", "en": "KV heads"},
    "planner.field.intermediate": {"zh": "MLP 中间维度 i", "en": "MLP inner size i"},
    "planner.field.vocab": {"zh": "词表大小 v", "en": "Vocabulary v"},
    "planner.field.mlp": {"zh": "MLP 结构", "en": "MLP"},
    "planner.field.params": {"zh": "参数量（空白 = 按尺寸算）", "en": "Parameters (blank: from the sizes)"},
    "planner.field.method": {"zh": "微调方式", "en": "Method"},
    "planner.field.lora_rank": {"zh": "LoRA 秩 r", "en": "LoRA rank r"},
    "planner.field.lora_targets": {"zh": "LoRA 适配的线性层", "en": "LoRA adapts"},
    "planner.field.precision": {"zh": "精度", "en": "Precision"},
    "planner.field.optimizer": {"zh": "优化器", "en": "Optimizer"},
    "planner.field.zero": {"zh": "ZeRO 阶段", "en": "ZeRO stage"},
    "planner.field.engine": {"zh": "实现", "en": "Engine"},
    "planner.field.offload": {"zh": "卸载到 CPU", "en": "CPU offload"},
    "planner.field.dp": {"zh": "数据并行 N（GPU 数）", "en": "Data parallel N (GPUs)"},
    "planner.field.micro_batch": {"zh": "micro-batch b", "en": "Micro-batch b"},
    "planner.field.seq_len": {"zh": "序列长度 s", "en": "Sequence length s"},
    "planner.field.checkpointing": {"zh": "激活检查点", "en": "Activation checkpointing"},
    "planner.field.attention": {"zh": "注意力实现", "en": "Attention"},
    "planner.field.dropout": {"zh": "使用 dropout", "en": "Dropout"},
    "planner.field.tp": {"zh": "张量并行 t", "en": "Tensor parallel t"},
    "planner.field.pp": {"zh": "流水线并行 p", "en": "Pipeline parallel p"},
    "planner.field.sequence_parallel": {"zh": "序列并行（t > 1 时）", "en": "Sequence parallel (t > 1)"},
    "planner.field.batch": {"zh": "并发序列数（batch）", "en": "Sequences at once (batch)"},
    "planner.field.context": {"zh": "每条序列的上下文长度", "en": "Context per sequence"},
    "planner.field.infer_kv_heads": {"zh": "KV 头数（空白 = 模型自己的）", "en": "KV heads (blank: the model's)"},
    "planner.field.weight_precision": {"zh": "权重精度", "en": "Weight precision"},
    "planner.field.kv_precision": {"zh": "KV 缓存精度", "en": "KV cache precision"},
    "planner.field.gpu": {"zh": "GPU", "en": "GPU"},
    "planner.field.overhead_gib": {"zh": "固定余量", "en": "Fixed allowance"},
    "planner.field.fragmentation_pct": {"zh": "碎片与临时缓冲", "en": "Fragmentation and buffers"},
    "planner.unit.tokens": {"zh": "token", "en": "tokens"},
    "planner.unit.gib": {"zh": "GiB", "en": "GiB"},
    "planner.unit.pct": {"zh": "% × 以上合计", "en": "% of the terms"},
    "planner.hint.overhead_gib": {
        "zh": "CUDA 上下文与库（cuBLAS、NCCL 的工作区，约 0.5–1 GiB）加驱动保留：实测 H200 标称 141 GiB，CUDA 只看到 "
              "139.8 GiB。",
        "en": "The CUDA context and libraries (cuBLAS and NCCL workspaces, about 0.5–1 GiB) and what the driver keeps "
              "back: on the H200 we measured, CUDA sees 139.8 of the label's 141 GiB."},
    "planner.hint.fragmentation_pct": {
        "zh": "PyTorch 缓存分配器的碎片、通信桶、logits 的临时 fp32 副本等；ZeRO 论文 §3.2 称为“剩余显存”。",
        "en": "The PyTorch caching allocator's fragmentation, communication buckets, temporary fp32 copies of the "
              "logits and the like: the ZeRO paper's “residual memory” (§3.2)."},
    # choices
    "planner.choice.model.custom": {"zh": "自定义尺寸", "en": "Custom sizes"},
    "planner.choice.mode.train": {"zh": "训练 / 微调", "en": "Training / fine-tuning"},
    "planner.choice.mode.infer": {"zh": "推理", "en": "Inference"},
    "planner.choice.mlp.swiglu": {"zh": "SwiGLU（Llama 式：RMSNorm、无偏置）",
                                  "en": "SwiGLU (Llama: RMSNorm, no biases)"},
    "planner.choice.mlp.gelu": {"zh": "GeLU（GPT 式：LayerNorm、有偏置）", "en": "GeLU (GPT: LayerNorm, biases)"},
    "planner.choice.method.full": {"zh": "全量微调", "en": "Full fine-tuning"},
    "planner.choice.method.lora": {"zh": "LoRA", "en": "LoRA"},
    "planner.choice.lora_targets.all": {"zh": "全部 7 个（q k v o gate up down）",
                                        "en": "All 7 (q k v o gate up down)"},
    "planner.choice.lora_targets.attention": {"zh": "注意力 4 个（q k v o）", "en": "Attention (q k v o)"},
    "planner.choice.lora_targets.qv": {"zh": "q 与 v（LoRA 论文）", "en": "q and v (the LoRA paper)"},
    "planner.choice.precision.bf16-mixed": {"zh": "bf16 混合精度", "en": "bf16 mixed"},
    "planner.choice.precision.fp16-mixed": {"zh": "fp16 混合精度", "en": "fp16 mixed"},
    "planner.choice.precision.fp32": {"zh": "fp32", "en": "fp32"},
    "planner.choice.optimizer.adamw": {"zh": "AdamW", "en": "AdamW"},
    "planner.choice.optimizer.sgd-momentum": {"zh": "SGD + 动量", "en": "SGD with momentum"},
    "planner.choice.optimizer.adafactor": {"zh": "Adafactor（β₁ = 0，二阶矩分解）",
                                           "en": "Adafactor (β₁ = 0, factored)"},
    "planner.choice.zero.0": {"zh": "0：不切分（DDP）", "en": "0: nothing split (DDP)"},
    "planner.choice.zero.1": {"zh": "1：切分优化器状态", "en": "1: optimizer states split"},
    "planner.choice.zero.2": {"zh": "2：再切分梯度", "en": "2: gradients split too"},
    "planner.choice.zero.3": {"zh": "3：再切分参数", "en": "3: parameters split too"},
    "planner.choice.engine.deepspeed": {"zh": "DeepSpeed（论文的布局）", "en": "DeepSpeed (the paper's layout)"},
    "planner.choice.engine.fsdp2": {"zh": "PyTorch FSDP2", "en": "PyTorch FSDP2"},
    "planner.choice.offload.none": {"zh": "不卸载", "en": "None"},
    "planner.choice.offload.optimizer": {"zh": "优化器状态与梯度（ZeRO-Offload）",
                                         "en": "Optimizer states and gradients (ZeRO-Offload)"},
    "planner.choice.offload.optimizer+params": {"zh": "再加参数（ZeRO-Infinity，需 ZeRO-3）",
                                                "en": "Parameters too (ZeRO-Infinity, ZeRO-3)"},
    "planner.choice.checkpointing.none": {"zh": "不用", "en": "None"},
    "planner.choice.checkpointing.selective": {"zh": "选择性（重算注意力核心）", "en": "Selective (attention core)"},
    "planner.choice.checkpointing.matmul-outputs": {"zh": "只存线性层输出（PyTorch SAC）",
                                                    "en": "Linear outputs only (PyTorch SAC)"},
    "planner.choice.checkpointing.full": {"zh": "全量（每层只存输入）", "en": "Full (layer inputs only)"},
    "planner.choice.attention.fused": {"zh": "融合（FlashAttention / SDPA）", "en": "Fused (FlashAttention / SDPA)"},
    "planner.choice.attention.math": {"zh": "数学实现（存 s×s 分数）", "en": "Math (keeps the s×s scores)"},
    # terms
    "planner.term.weights": {"zh": "权重", "en": "Weights"},
    "planner.term.gradients": {"zh": "梯度", "en": "Gradients"},
    "planner.term.optimizer_states": {"zh": "优化器状态", "en": "Optimizer states"},
    "planner.term.zero3_gathered": {"zh": "ZeRO-3 聚合的整层", "en": "ZeRO-3 gathered layer"},
    "planner.term.activations": {"zh": "激活", "en": "Activations"},
    "planner.term.kv_cache": {"zh": "KV 缓存", "en": "KV cache"},
    "planner.term.allowance": {"zh": "余量", "en": "Allowance"},
    "planner.total": {"zh": "每卡合计", "en": "Total per GPU"},
    "planner.table.caption": {"zh": "每张 GPU 的显存（悬停看精确字节数）",
                              "en": "Memory per GPU (hover for the exact bytes)"},
    "planner.table.term": {"zh": "项", "en": "Term"},
    "planner.table.bytes": {"zh": "每卡", "en": "Per GPU"},
    "planner.table.share": {"zh": "占比", "en": "Share"},
    "planner.table.formula": {"zh": "公式", "en": "Formula"},
    "planner.table.lab": {"zh": "实测它的实验", "en": "Measured by"},
    "planner.cpu.caption": {"zh": "卸载到 CPU 内存的部分（每张 GPU 对应的份额；一台 8 卡机器要乘 8）",
                            "en": "Offloaded to CPU memory (each GPU's share; × 8 for an 8-GPU node)"},
    "planner.fits.caption": {"zh": "放得下吗（标称显存按 GiB 计：NVIDIA 的 “80 GB” 是 80 × 2³⁰ 字节）",
                             "en": "Does it fit (the makers' figures are GiB: NVIDIA's “80 GB” is 80 × 2³⁰ bytes)"},
    "planner.fits.gpu": {"zh": "GPU", "en": "GPU"},
    "planner.fits.capacity": {"zh": "显存", "en": "Memory"},
    "planner.fits.verdict": {"zh": "结论", "en": "Verdict"},
    "planner.fits.headroom": {"zh": "剩余 / 缺口", "en": "Headroom / shortfall"},
    "planner.fits.yes": {"zh": "放得下", "en": "Fits"},
    "planner.fits.no": {"zh": "放不下", "en": "Does not fit"},
    "planner.verdict.fits": {"zh": "放得下：每张 {gpu} 用 {total}（占 {share}），还剩 {headroom}。",
                             "en": "Fits: {total} on each {gpu} ({share} of it), {headroom} to spare."},
    "planner.verdict.too_big": {"zh": "放不下：每张 {gpu} 要 {total}，超出 {headroom}。",
                                "en": "Does not fit: {total} per {gpu}, {headroom} too much."},
    "planner.summary": {
        "zh": "{model}：{params} 个参数{trainable}，{mode}，共 {gpus} 张 GPU。",
        "en": "{model}: {params} parameters{trainable}, {mode}, {gpus} GPUs in all.",
        "en_one": "{model}: {params} parameters{trainable}, {mode}, 1 GPU."},
    "planner.summary.trainable": {"zh": "（可训练 {count} 个）", "en": " ({count} trainable)"},
    "planner.summary.flops": {"zh": "每个训练 token 的模型 FLOPs：6N + 12·L·s·(a·d_head) = {flops}",
                              "en": "Model FLOPs per trained token: 6N + 12·L·s·(a·d_head) = {flops}"},
    "planner.bar.label": {"zh": "每卡显存构成与 {gpu} 的显存", "en": "Per-GPU memory by term against the {gpu}"},
    "planner.notes": {"zh": "假设与来源", "en": "Assumptions and sources"},
    "planner.errors": {"zh": "无法计算：", "en": "Cannot compute:"},
    # details, in words
    "planner.stage.0": {"zh": "ZeRO-0：每卡一份完整副本", "en": "ZeRO-0: a full copy on every GPU"},
    "planner.stage.1": {"zh": "ZeRO-1：优化器状态切成 N 份", "en": "ZeRO-1: optimizer states split N ways"},
    "planner.stage.2": {"zh": "ZeRO-2：梯度和优化器状态切成 N 份",
                        "en": "ZeRO-2: gradients and optimizer states split N ways"},
    "planner.stage.3": {"zh": "ZeRO-3：参数、梯度、优化器状态都切成 N 份",
                        "en": "ZeRO-3: parameters, gradients and optimizer states split N ways"},
    "planner.optimizer_state.adamw": {"zh": "Adam 的 m 与 v（各 4 字节）", "en": "Adam's m and v (4 bytes each)"},
    "planner.optimizer_state.sgd-momentum": {"zh": "动量缓冲（4 字节）", "en": "the momentum buffer (4 bytes)"},
    "planner.optimizer_state.adafactor": {"zh": "每个矩阵一行一列的二阶矩（4 字节）",
                                          "en": "a row and a column of second moments per matrix (4 bytes)"},
    "planner.detail.master": {"zh": "fp32 主权重（4 字节）+ ", "en": "fp32 master weights (4 bytes) + "},
    "planner.detail.weights": {"zh": "{precision} 的参数副本；{stage}",
                               "en": "The {precision} copy of the parameters; {stage}"},
    "planner.detail.gradients": {"zh": "与参数同精度的梯度；{stage}",
                                 "en": "Gradients at the parameters' precision; {stage}"},
    "planner.detail.optimizer_states": {"zh": "K = {k}：{master}{state}；{stage}",
                                        "en": "K = {k}: {master}{state}; {stage}"},
    "planner.detail.zero3_gathered": {
        "zh": "ZeRO-3 运行某层时把它的 16 位参数与梯度整块聚合：DeepSpeed 估算器的 4 × 最大层（{params} 个参数）",
        "en": "ZeRO-3 gathers a whole layer's 16-bit parameters and gradients while it runs: DeepSpeed's estimator's "
              "4 × the largest layer ({params} parameters)"},
    "planner.detail.activations": {
        "zh": "{layers} 层 × 每层 {per_layer}（{recompute}）+ 输出层 {output}（Korthikanti §4.3）",
        "en": "{layers} layers × {per_layer} each ({recompute}) + output layer {output} (Korthikanti §4.3)"},
    "planner.detail.recomputed": {"zh": " + 反向时正在重算的一层 {recomputed}",
                                  "en": " + the layer being recomputed in backward, {recomputed}"},
    "planner.recompute.none": {"zh": "Korthikanti §4.1 式 (1)", "en": "Korthikanti §4.1 eq. 1"},
    "planner.recompute.selective": {"zh": "选择性重算，§5：去掉 s² 项", "en": "selective, §5: no s² terms"},
    "planner.recompute.matmul-outputs": {"zh": "只存线性层输出", "en": "linear outputs only"},
    "planner.recompute.full": {"zh": "全量检查点：只存输入 2sbh", "en": "full checkpointing: the input, 2sbh"},
    "planner.detail.allowance": {"zh": "固定余量加上面各项之和的百分比（见下方“GPU 与余量”）",
                                 "en": "A fixed allowance plus a share of the terms above (see “GPU and allowance”)"},
    "planner.detail.infer_weights": {"zh": "{precision} 权重，按张量并行 t、流水线 p 切分",
                                     "en": "{precision} weights, split by tensor parallel t and pipeline p"},
    "planner.detail.kv_cache": {"zh": "每 token {per_token}（{kv_heads} 个 KV 头）× {batch} 条 × {context} token",
                                "en": "{per_token} per token ({kv_heads} KV heads) × {batch} sequences × {context} "
                                      "tokens"},
    # notes
    "planner.note.activations": {
        "zh": "激活按 Korthikanti et al. 2022（arXiv:2205.05198）§4 计：16 位张量、1 字节 dropout mask；"
              "activation-memory "
              "实验逐字节核对过它（GPT 式层）。",
        "en": "Activations follow Korthikanti et al. 2022 (arXiv:2205.05198) §4: 16-bit tensors, 1-byte dropout masks; "
              "the activation-memory lab checks it to the byte (on a GPT-style layer)."},
    "planner.note.swiglu": {
        "zh": "SwiGLU 的 MLP 按同样的规则计入 4 个宽为 i 的张量（gate 输出、SiLU 输出、up 输出、乘积），GQA 的 K、V 按 "
              "KV 头宽度；"
              "这部分是按规则推出的，实验没有单独测。实现里 RMSNorm 的 fp32 中间量不计。",
        "en": "A SwiGLU MLP keeps, by the same rule, four i-wide tensors (gate output, SiLU output, up output, their "
              "product) and GQA's K and V are KV-head wide: derived by the rule, not measured by the lab on its own. "
              "RMSNorm's fp32 temporaries in implementations are not counted."},
    "planner.note.pipeline": {
        "zh": "流水线按 1F1B、每步至少 p 个 micro-batch：第一段存 p 个 micro-batch 的 L/p 层 = L 层的量（Korthikanti "
              "§4.2.3）。",
        "en": "Pipeline: 1F1B with at least p micro-batches a step — the first stage holds p micro-batches of L/p "
              "layers, L layers' worth (Korthikanti §4.2.3)."},
    "planner.note.lora": {
        "zh": "LoRA：冻结的基座只存权重；梯度与优化器状态只给适配器（lora 实验测过可训练参数与 Adam 状态）。"
              "激活按全量微调计（适配器要同样的输入）。",
        "en": "LoRA: the frozen base keeps its weights only; gradients and optimizer states are the adapters' (the "
              "lora lab measures the trainable count and the Adam state). Activations as for full fine-tuning (the "
              "adapters need the same inputs)."},
    "planner.note.fsdp2_low_stage": {"zh": "阶段 0–1 用 DDP / ZeroRedundancyOptimizer，与论文布局相同。",
                                     "en": "Stages 0–1 are DDP / ZeroRedundancyOptimizer: the paper's layout."},
    "planner.note.fsdp2": {
        "zh": "FSDP2 把 fp32 分片当作参数本身（算在优化器状态里，如论文的 K），梯度分片也是 fp32；阶段 2 还保留 16 "
              "位完整副本："
              "2Ψ + 16Ψ/N（zero-memory 实验实测过）。",
        "en": "FSDP2 keeps the fp32 shard as the parameter itself (counted with the optimizer states, as the paper's K "
              "does) and fp32 gradient shards; stage 2 also keeps the 16-bit copy whole: 2Ψ + 16Ψ/N (measured by the "
              "zero-memory lab)."},
    "planner.note.zero3": {
        "zh": "ZeRO-3 的聚合缓冲取 DeepSpeed 估算器的 4 × 最大层；FSDP2 一次聚合整个 Transformer 块，会更多一些。",
        "en": "ZeRO-3's gathered buffer is DeepSpeed's estimator's 4 × the largest layer; FSDP2 gathers a whole "
              "transformer block, somewhat more."},
    "planner.note.offload": {
        "zh": "卸载：ZeRO-Offload（Ren et al. 2021）把梯度分片与优化器状态放到 CPU，参数留在 GPU；ZeRO-Infinity "
              "再把参数放到 CPU。"
              "GPU 上的通信桶算在余量里。",
        "en": "Offload: ZeRO-Offload (Ren et al. 2021) puts the gradient partition and optimizer states in CPU memory "
              "and keeps the parameters on the GPU; ZeRO-Infinity moves the parameters too. The GPU's communication "
              "buckets are in the allowance."},
    "planner.note.custom_params": {"zh": "参数量按你填的值；激活与聚合缓冲仍按上面的尺寸。",
                                   "en": "The parameter count is the one you typed; activations and the gathered "
                                         "buffer still follow the sizes."},
    "planner.note.infer_activations": {
        "zh": "推理只计权重与 KV 缓存：前向的临时激活（分块 prefill 时很小）算在余量里。KV 头少于 t "
              "时每卡保留一个完整的头。",
        "en": "Inference counts weights and the KV cache: a forward pass's temporaries (small with chunked prefill) "
              "are in the allowance. With fewer KV heads than t, each GPU keeps one whole head."},
    "planner.note.quantised": {"zh": "int8 / int4 权重不计量化的缩放因子（4 位、每 128 个一组时约多 3%）。",
                               "en": "int8 / int4 weights leave out the quantisation scales (about 3% more for 4-bit "
                                     "in groups of 128)."},
    # errors
    "planner.error.choice": {"zh": "{field}只能是：{choices}", "en": "{field} must be one of: {choices}"},
    "planner.error.int": {"zh": "{field}要是整数", "en": "{field} must be a whole number"},
    "planner.error.number": {"zh": "{field}要是数字", "en": "{field} must be a number"},
    "planner.error.range": {"zh": "{field}要在 {low} 到 {high} 之间",
                            "en": "{field} must be between {low} and {high}"},
    "planner.error.heads_divide": {"zh": "隐藏维度 {hidden} 不能被头数 {heads} 整除",
                                   "en": "the hidden size {hidden} is not a multiple of the {heads} heads"},
    "planner.error.kv_heads": {"zh": "KV 头数 {kv_heads} 要整除注意力头数 {heads}",
                               "en": "{kv_heads} KV heads must divide the {heads} attention heads"},
    "planner.error.tp_heads": {"zh": "张量并行 t = {tp} 要整除头数 {heads}",
                               "en": "tensor parallel t = {tp} must divide the {heads} heads"},
    "planner.error.pp_layers": {"zh": "流水线段数 {pp} 多于层数 {layers}",
                                "en": "{pp} pipeline stages are more than the {layers} layers"},
    "planner.error.offload_engine": {"zh": "这里的卸载按 DeepSpeed 计；FSDP2 请选“不卸载”",
                                     "en": "offload is DeepSpeed's here; with FSDP2 choose no offload"},
    "planner.error.adafactor_params": {"zh": "Adafactor 的分解状态要看每个矩阵的形状：请清空参数量，按尺寸计算",
                                       "en": "Adafactor's factored state depends on each matrix's shape: clear the "
                                             "parameter count and give the sizes"},
    "planner.error.offload_stage": {"zh": "这种卸载至少要 ZeRO-{stage}",
                                    "en": "this offload needs ZeRO-{stage} or more"},
    # the command line
    "planner.cli.heading": {"zh": "{model}：{params} 个参数，{mode}，{gpus} 张 GPU；每卡：",
                            "en": "{model}: {params} parameters, {mode}, {gpus} GPUs; per GPU:",
                            "en_one": "{model}: {params} parameters, {mode}, 1 GPU:"},
    "planner.cli.cpu": {"zh": "{term}（CPU 内存）", "en": "{term} (CPU memory)"},
    "planner.cli.fits": {"zh": "{gpu}：放得下，剩余 {headroom}", "en": "{gpu}: fits, {headroom} to spare"},
    "planner.cli.too_big": {"zh": "{gpu}：放不下，超出 {headroom}", "en": "{gpu}: does not fit, {headroom} too much"},
}
