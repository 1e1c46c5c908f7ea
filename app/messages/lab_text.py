"""English for the Chinese text that labs write into their results: table and chart titles, checks, notes.

Results are data (the shipped reference results cannot be re-measured to add a field), so the English is
matched to the text: `zh` is the lab's text with `{name}` where a run puts a number or a name, `en` the same
sentence in English with the same `{name}`s. A placeholder's value is itself translated when it is Chinese.
`shown_zh`, where given, is what a Chinese page shows instead (the chart's axis reads GiB, not the lab's MB).
app/labs/labels.py compiles these; tests/labs_app/test_english.py fails on any result text left without one.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # ---------------------------------------------------------------- shared by several labs
    "labs.text.oom_cuda": {
        "zh": "显存不足（CUDA out of memory）：换小一点的参数再试。",
        "en": "Out of GPU memory (CUDA out of memory): try smaller parameters."},
    "labs.text.oom_host": {
        "zh": "内存不足（主机内存分配失败）：换小一点的参数再试。",
        "en": "Out of host memory (an allocation failed): try smaller parameters."},
    "labs.text.progress.train": {"zh": "训练 {name}", "en": "training {name}"},
    # ---------------------------------------------------------------- zero-memory
    "labs.text.zero.progress.ranks": {
        "zh": "{n} 个进程，每个测 ZeRO-0..3",
        "en": "{n} processes, each measures ZeRO-0..3"},
    "labs.text.zero.progress.formulas": {"zh": "对照公式", "en": "comparing with the formulas"},
    "labs.text.zero.table.measured": {
        "zh": "每卡模型状态：实测（rank 0）vs 公式，Ψ={psi}，N={n}，K={k}",
        "en": "Model states per GPU: measured (rank 0) vs formulas, Ψ={psi}, N={n}, K={k}"},
    "labs.text.zero.table.deepspeed": {
        "zh": "论文公式 vs DeepSpeed 估算器（无 offload，每 GPU）",
        "en": "Paper's formulas vs DeepSpeed's estimators (no offload, per GPU)"},
    "labs.text.zero.table.calculator": {
        "zh": "计算器：Ψ={psi}B，N={n}，K={k}（论文例子 7.5B、64 卡：120 / 31.4 / 16.6 / 1.9 GB）",
        "en": "Calculator: Ψ={psi}B, N={n}, K={k} (the paper's example, 7.5B on 64 GPUs: 120 / 31.4 / 16.6 / 1.9 GB)"},
    "labs.text.zero.table.deepspeed_engine": {
        "zh": "DeepSpeed {version} 引擎实测（CUDA 分配器，rank 0），Ψ={psi}，N={n}",
        "en": "DeepSpeed {version} engine measured (CUDA allocator, rank 0), Ψ={psi}, N={n}"},
    "labs.text.zero.cell.this_lab": {"zh": "本实验 Ψ={psi}, N={n}", "en": "This lab, Ψ={psi}, N={n}"},
    "labs.text.zero.cell.calculator": {
        "zh": "计算器 Ψ={psi}B, N={n}（最大层按 0 计）",
        "en": "Calculator, Ψ={psi}B, N={n} (largest layer taken as 0)"},
    "labs.text.zero.chart": {
        "zh": "每卡模型状态（MB）：论文预测 vs 实测",
        "shown_zh": "每卡模型状态：论文预测 vs 实测",
        "en": "Model states per GPU: paper's prediction vs measured"},
    "labs.text.zero.series.paper": {"zh": "论文预测", "en": "paper predicts"},
    "labs.text.zero.series.engine": {"zh": "引擎预测", "en": "engine predicts"},
    "labs.text.zero.series.measured": {"zh": "实测（rank 0）", "en": "measured (rank 0)"},
    "labs.text.zero.series.deepspeed": {"zh": "DeepSpeed 实测（rank 0）", "en": "DeepSpeed measured (rank 0)"},
    "labs.text.zero.axis.stage": {"zh": "ZeRO 阶段", "en": "ZeRO stage"},
    "labs.text.zero.axis.mb": {"zh": "MB（1e6 bytes）", "en": "MB (10⁶ bytes)"},
    "labs.text.zero.check.0": {
        "zh": "ZeRO-0（DDP）每卡模型状态 = (2+2+K)Ψ",
        "en": "ZeRO-0 (DDP) model states per GPU = (2+2+K)Ψ"},
    "labs.text.zero.check.1": {
        "zh": "ZeRO-1（ZeroRedundancyOptimizer，整块参数分配）每卡 = 4Ψ + K·Ψ_本卡（论文均分时为 4Ψ + KΨ/N）",
        "en": "ZeRO-1 (ZeroRedundancyOptimizer, whole parameters per rank) per GPU = 4Ψ + K·Ψ_this rank (4Ψ + KΨ/N "
              "in the paper's even split)"},
    "labs.text.zero.check.2": {
        "zh": "ZeRO-2（FSDP2 前向后保留 bf16 全量参数）每卡 = 2Ψ + 16Ψ/N（论文 2Ψ + 14Ψ/N：FSDP2 的梯度分片是 fp32）",
        "en": "ZeRO-2 (FSDP2 keeps the full bf16 parameters after forward) per GPU = 2Ψ + 16Ψ/N (paper: 2Ψ + 14Ψ/N; "
              "FSDP2's gradient shards are fp32)"},
    "labs.text.zero.check.3": {
        "zh": "ZeRO-3（FSDP2）每卡模型状态 = (2+2+K)Ψ/N",
        "en": "ZeRO-3 (FSDP2) model states per GPU = (2+2+K)Ψ/N"},
    "labs.text.zero.check.ratio": {
        "zh": "ZeRO-3 每卡是 ZeRO-0 的 1/N：实测 ZeRO-0 / ZeRO-3 = N",
        "en": "ZeRO-3 holds 1/N of ZeRO-0 per GPU: measured ZeRO-0 / ZeRO-3 = N"},
    "labs.text.zero.check.ds2": {
        "zh": "DeepSpeed ZeRO-2 每卡模型状态 = 2Ψ + (2+K)Ψ/N（论文 P_os+g）",
        "en": "DeepSpeed ZeRO-2 model states per GPU = 2Ψ + (2+K)Ψ/N (the paper's P_os+g)"},
    "labs.text.zero.check.ds3": {
        "zh": "DeepSpeed ZeRO-3 每卡模型状态 = (2+2+K)Ψ/N（论文 P_os+g+p）",
        "en": "DeepSpeed ZeRO-3 model states per GPU = (2+2+K)Ψ/N (the paper's P_os+g+p)"},
    "labs.text.zero.check.ds1": {
        "zh": "DeepSpeed ZeRO-1 反向结束时 = 2Ψ + (2+K)Ψ/N（梯度此时已只剩本卡分片；论文的 4Ψ + KΨ/N "
              "按反向过程中的全量梯度计）",
        "en": "DeepSpeed ZeRO-1 at the end of backward = 2Ψ + (2+K)Ψ/N (only this rank's gradient shard is left by "
              "then; the paper's 4Ψ + KΨ/N counts the full gradients during backward)"},
    "labs.text.zero.check.ds_adam": {
        "zh": "DeepSpeed ZeRO-1/2/3 的 Adam m + v 都按卡切分：8Ψ/N（列出偏差最大的阶段）",
        "en": "DeepSpeed ZeRO-1/2/3 all partition Adam m + v: 8Ψ/N (the stage furthest off is listed)"},
    "labs.text.zero.note.measured": {
        "zh": "实测 = 每个 rank 实际持有的张量存储字节（同一块 storage 只算一次；DTensor 取本地分片）："
              "参数在前向刚结束时统计（ZeRO-2 此时持有 bf16 全量参数），梯度与优化器状态在一次 optimizer.step() "
              "之后统计。",
        "en": "Measured = bytes of the tensor storages each rank really holds (each storage counted once; a DTensor "
              "by its local shard): parameters right after forward (when ZeRO-2 holds the full bf16 parameters), "
              "gradients and optimizer state after one optimizer.step()."},
    "labs.text.zero.note.fsdp2": {
        "zh": "FSDP2 的参数分片本身就是 fp32 主权重（4Ψ/N），没有单独的 16 位分片；梯度分片是 fp32（4Ψ/N）。所以 "
              "ZeRO-3 的总数与论文的 16Ψ/N 相同（组成不同：4+4+8 vs 2+2+12），ZeRO-2 多出 2Ψ/N，检查用引擎自己的布局 "
              "2Ψ + 16Ψ/N。",
        "en": "FSDP2's parameter shard is itself the fp32 master copy (4Ψ/N), with no separate 16-bit shard, and its "
              "gradient shard is fp32 (4Ψ/N). So ZeRO-3's total equals the paper's 16Ψ/N (made up differently: 4+4+8 "
              "vs 2+2+12) while ZeRO-2 holds 2Ψ/N more; the check uses the engine's own layout, 2Ψ + 16Ψ/N."},
    "labs.text.zero.note.zro": {
        "zh": "ZeroRedundancyOptimizer 把整个参数分给某个 rank（按大小贪心），不是把扁平向量均分，"
              "所以用它实际的划分预测。",
        "en": "ZeroRedundancyOptimizer gives whole parameters to ranks (greedily by size) instead of splitting one "
              "flat vector evenly, so the prediction uses the split it really made."},
    "labs.text.zero.note.estimators": {
        "zh": "DeepSpeed 估算器：ZeRO-2 现在的代码是 2Ψ + 18Ψ/N（2024 年前是 4Ψ + 16Ψ/N，文档页仍是旧式）；ZeRO-3 是 "
              "4·最大层参数 + 18Ψ/N；它们打印时除以 2^30 却标成 “GB”。",
        "en": "DeepSpeed's estimators: for ZeRO-2 its code now computes 2Ψ + 18Ψ/N (4Ψ + 16Ψ/N before 2024, which "
              "the docs page still shows); for ZeRO-3, 4·(largest layer's parameters) + 18Ψ/N; both divide by 2^30 "
              "when printing and call it “GB”."},
    "labs.text.zero.note.cuda": {
        "zh": "CUDA 列：step 之后 torch.cuda.memory_allocated 相对建模型前的增量，以及峰值增量（含激活、通信桶、"
              "all-gather 缓冲、优化器里临时的 fp32 梯度）；CPU 上为空。",
        "en": "CUDA columns: torch.cuda.memory_allocated after the step minus before the model was built, and the "
              "same for the peak (which includes activations, communication buckets, all-gather buffers and the "
              "optimizer's temporary fp32 gradients); empty on CPU."},
    "labs.text.zero.note.no_deepspeed": {
        "zh": "未安装 DeepSpeed：跳过 DeepSpeed 引擎 stage 1–3 的实测，只给出其估算器公式。",
        "en": "DeepSpeed is not installed: its engine's stages 1–3 were not measured; only its estimators are given."},
    "labs.text.zero.note.deepspeed_cpu": {
        "zh": "已安装 DeepSpeed，但它的 ZeRO 优化器只在 CUDA 上实测（CPU 需要 Intel 扩展），本次跳过。",
        "en": "DeepSpeed is installed, but its ZeRO optimizer is measured on CUDA only (CPU needs Intel's extension),"
              " so it was skipped."},
    "labs.text.zero.note.deepspeed_rows": {
        "zh": "DeepSpeed 行：torch.cuda.memory_allocated 在第二步反向结束时相对建模型前的增量（第一步已建好 Adam "
              "状态；激活此时已释放）；bf16、overlap_comm 关闭、通信桶 2M 元素、stage3_param_persistence_threshold=0、"
              "优化器为 torch.optim.Adam（由 DeepSpeed 的 ZeRO 优化器驱动，作用在 fp32 主权重分片上）。",
        "en": "DeepSpeed rows: torch.cuda.memory_allocated at the end of the second backward minus before the model "
              "was built (the first step has created Adam's state; activations are freed by then); bf16, "
              "overlap_comm off, 2M-element buckets, stage3_param_persistence_threshold=0, torch.optim.Adam as the "
              "optimizer (driven by DeepSpeed's ZeRO optimizer, on the fp32 master shards)."},
    "labs.text.zero.note.deepspeed_zero1": {
        "zh": "DeepSpeed ZeRO-1 在反向的收尾阶段才从全量 bf16 梯度里拷出本卡分片并释放全量梯度，所以反向结束时与 "
              "ZeRO-2 持有的一样多；两者的差别在反向过程中的峰值（见“第二步反向峰值”列）。step 时还会临时生成本卡的 "
              "fp32 梯度（4Ψ/N），这就是 DeepSpeed 估算器写 18Ψ/N 而论文写 14Ψ/N 的原因。",
        "en": "DeepSpeed ZeRO-1 copies this rank's shard out of the full bf16 gradients and frees them only as "
              "backward ends, so at that moment it holds as much as ZeRO-2; they differ in the peak during backward "
              "(the “Peak in 2nd backward” column). The step also makes this rank's fp32 gradients for a while "
              "(4Ψ/N): that is why DeepSpeed's estimator says 18Ψ/N where the paper says 14Ψ/N."},
    "labs.text.zero.note.fewer_gpus": {
        "zh": "本机只有 {gpus} 块 GPU（ranks={asked} 需要 {need} 块）：以 N={n} 运行。",
        "en": "This machine has {gpus} GPU(s) (ranks={asked} needs {need}): ran with N={n}."},
    "labs.text.zero.note.one_gpu": {
        "zh": "N=1 时 ZeRO 不分片，各阶段每卡都持有全部 16Ψ：这次看到的是真实规模下的模型状态字节与 CUDA "
              "分配器的开销；要看 ÷N，用 --device cpu（{procs} 个 gloo 进程）或在 {more} 块以上 GPU 的机器上运行。",
        "en": "At N=1 ZeRO partitions nothing and every stage holds the whole 16Ψ per GPU: what this run shows is "
              "the model-state bytes at full size and the CUDA allocator's overhead. To see the ÷N, run with "
              "--device cpu ({procs} gloo processes) or on a machine with {more} or more GPUs."},
    # ---------------------------------------------------------------- mixed-precision
    "labs.text.mp.table.train": {
        "zh": "各精度模式训练同一 GPT（AdamW）",
        "en": "The same GPT trained in each precision mode (AdamW)"},
    "labs.text.mp.table.matmul": {
        "zh": "矩阵乘吞吐（{n}³，实测峰值 = 本次最好成绩）",
        "en": "Matmul throughput ({n}³; measured peak = this run's best)"},
    "labs.text.mp.table.cast": {
        "zh": "梯度转换为低精度（真实 fp32 梯度）",
        "en": "Gradients cast to low precision (real fp32 gradients)"},
    "labs.text.mp.chart.loss": {"zh": "各精度模式的训练损失", "en": "Training loss per precision mode"},
    "labs.text.mp.chart.scale": {
        "zh": "fp16 训练中 GradScaler 的缩放因子",
        "en": "GradScaler's loss scale in fp16 training"},
    "labs.text.mp.check.underflow": {
        "zh": "fp16 下溢：梯度×2^{shift} 后转 fp16 变成 0 的比例 = |g| ≤ 2^-25 的比例（最小次正规数 2^-24，"
              "舍入到最近）",
        "en": "fp16 underflow: share of gradients × 2^{shift} that become 0 in fp16 = share with |g| ≤ 2^-25 "
              "(smallest subnormal 2^-24, round to nearest)"},
    "labs.text.mp.check.overflow": {
        "zh": "fp16 上溢：梯度×2^{shift} 后变成 inf 的个数 = |g·s| ≥ 65520 的个数",
        "en": "fp16 overflow: gradients × 2^{shift} that become inf = how many have |g·s| ≥ 65520"},
    "labs.text.mp.check.bf16_range": {
        "zh": "bf16 与 fp32 同为 8 位指数：同样的小梯度转 bf16 后变 0 的比例 = 低于 1.18e-38 的比例",
        "en": "bf16 has fp32's 8 exponent bits: share of the same small gradients that become 0 in bf16 = share "
              "below 1.18e-38"},
    "labs.text.mp.check.fp16_eps": {
        "zh": "fp16 有 11 位有效位：正规数范围内的最大相对舍入误差 = 2^-11",
        "en": "fp16 has 11 significant bits: largest relative rounding error among normal numbers = 2^-11"},
    "labs.text.mp.check.bf16_eps": {
        "zh": "bf16 只有 8 位有效位：最大相对舍入误差 = 2^-8",
        "en": "bf16 has only 8 significant bits: largest relative rounding error = 2^-8"},
    "labs.text.mp.check.peak": {
        "zh": "Tensor Core 上 fp16 与 bf16 的矩阵乘峰值相同（A100/H100 数据表：两者同速）",
        "en": "fp16 and bf16 matmuls peak at the same speed on Tensor Cores (A100/H100 datasheets: equal rates)"},
    "labs.text.mp.note.peak": {
        "zh": "峰值 TFLOP/s 是本次运行中各 dtype 多次大矩阵乘的最好成绩（实测峰值），不是厂商数据表的数值。",
        "en": "Peak TFLOP/s is the best of several large matmuls per dtype in this run (a measured peak), not the "
              "vendor's datasheet figure."},
    "labs.text.mp.note.mfu": {
        "zh": "MFU = 6·N·tokens / 步时 / 实测 bf16 峰值；N 只计矩阵乘权重（不含 embedding 查表），不含注意力的 FLOPs。",
        "en": "MFU = 6·N·tokens / step time / measured bf16 peak; N counts matmul weights only (not the embedding "
              "lookup) and attention's FLOPs are left out."},
    "labs.text.mp.note.no_tf32": {
        "zh": "CPU 上没有 tf32（它是 NVIDIA Tensor Core 的格式），跳过 tf32 模式；CPU 不报告显存峰值（n/a）。",
        "en": "CPUs have no tf32 (it is an NVIDIA Tensor Core format), so the tf32 mode was skipped; on CPU no peak "
              "memory is reported (n/a)."},
    "labs.text.mp.note.cpu_matmul": {
        "zh": "CPU 上矩阵乘吞吐只作参照：fp16/bf16 在多数 CPU 上没有专用矩阵单元，可能比 fp32 还慢。",
        "en": "On CPU the matmul throughput is only for reference: most CPUs have no matrix units for fp16/bf16, "
              "which can be slower than fp32."},
    "labs.text.mp.note.skipped": {
        "zh": "{mode} 在 {device} 上无法运行，已跳过：{error}",
        "en": "{mode} cannot run on {device} and was skipped: {error}"},
    "labs.text.mp.note.scaler": {
        "zh": "GradScaler 初始 scale 65536，连续 {interval} 步无 inf 则翻倍（PyTorch 默认 2000，"
              "这里调小以便在短训练中看到变化），遇 inf 则减半并跳过该步；本次最终 scale = {scale}。",
        "en": "GradScaler starts at a scale of 65536 and doubles it after {interval} steps without inf (PyTorch's "
              "default is 2000, lowered here so that a short run shows it), halves it and skips the step on inf; "
              "final scale in this run = {scale}."},
    "labs.text.mp.note.loss": {
        "zh": "初始损失约 ln(V) = {loss}；数据按固定置换生成，可学习，损失应下降。",
        "en": "The initial loss is about ln(V) = {loss}; the data follow a fixed permutation and can be learnt, so "
              "the loss should fall."},
    "labs.text.mp.progress.data": {"zh": "准备数据", "en": "preparing data"},
    "labs.text.mp.progress.matmul": {"zh": "矩阵乘吞吐", "en": "matmul throughput"},
    "labs.text.mp.progress.numerics": {"zh": "数值实验", "en": "numerics experiments"},
    # ---------------------------------------------------------------- lora
    "labs.text.lora.full": {"zh": "全量微调", "en": "Full fine-tuning"},
    "labs.text.lora.table": {
        "zh": "全量微调 vs LoRA（同一基座模型、同样的数据）",
        "en": "Full fine-tuning vs LoRA (same base model, same data)"},
    "labs.text.lora.chart.trainable": {
        "zh": "可训练参数随 rank 变化（建议对数坐标）",
        "shown_zh": "可训练参数随 rank 变化",
        "en": "Trainable parameters by rank"},
    "labs.text.lora.chart.loss_rank": {
        "zh": "{steps} 步后的损失随 rank 变化",
        "en": "Loss after {steps} steps by rank"},
    "labs.text.lora.chart.loss": {"zh": "训练损失曲线", "en": "Training loss"},
    "labs.text.lora.check.full": {
        "zh": "全量微调：可训练参数 = 模型全部参数",
        "en": "Full fine-tuning: trainable parameters = all the model's parameters"},
    "labs.text.lora.check.rank": {
        "zh": "LoRA r={r}：可训练参数 = Σ r·(d_in+d_out)，{layers} 个被适配的线性层",
        "en": "LoRA r={r}: trainable parameters = Σ r·(d_in+d_out) over {layers} adapted linear layers"},
    "labs.text.lora.check.adam": {
        "zh": "{name}：AdamW 状态 = 2×4 字节 × 可训练参数（m 与 v，fp32）",
        "en": "{name}: AdamW state = 2×4 bytes × trainable parameters (m and v, fp32)"},
    "labs.text.lora.check.file": {
        "zh": "{name}：要保存的文件 ≈ 4 字节 × 可训练参数（fp32；文件头另计）",
        "en": "{name}: the file to save ≈ 4 bytes × trainable parameters (fp32; plus a header)"},
    "labs.text.lora.note.model": {
        "zh": "基座模型是 transformers LlamaForCausalLM，由 LlamaConfig 随机初始化（未下载任何权重）；LoRA 用 PEFT 的 "
              "get_peft_model，lora_alpha = alpha_over_rank × r，lora_dropout = 0。",
        "en": "The base model is a transformers LlamaForCausalLM initialised at random from a LlamaConfig (no "
              "weights are downloaded); LoRA is PEFT's get_peft_model with lora_alpha = alpha_over_rank × r and "
              "lora_dropout = 0."},
    "labs.text.lora.note.measured": {
        "zh": "可训练参数的“实测”是 requires_grad 参数的 numel 之和；AdamW 状态的“实测”是优化器 state 里 exp_avg 与 "
              "exp_avg_sq 张量的字节数（每个参数另有一个 step 计数张量，未计入）。",
        "en": "“Measured” trainable parameters are the summed numel of the requires_grad parameters; “measured” "
              "AdamW state is the bytes of the exp_avg and exp_avg_sq tensors in the optimizer's state (each "
              "parameter also has a step-count tensor, not counted)."},
    "labs.text.lora.note.file": {
        "zh": "文件大小：LoRA 为 save_pretrained 写出的 adapter_model.safetensors，全量微调为 torch.save(state_dict)。",
        "en": "File size: for LoRA the adapter_model.safetensors that save_pretrained writes, for full fine-tuning "
              "torch.save(state_dict)."},
    "labs.text.lora.note.rank": {
        "zh": "当 r 接近 d 时 LoRA 的可训练参数可以超过被替换的权重本身（r·(d_in+d_out) > d_in·d_out）：小模型上 rank "
              "64 并不省参数。",
        "en": "As r approaches d, LoRA's trainable parameters can outnumber the weight they adapt (r·(d_in+d_out) > "
              "d_in·d_out): on a small model rank 64 saves no parameters."},
    "labs.text.lora.note.peak": {
        "zh": "峰值显存只在 GPU 上报告（torch.cuda.max_memory_allocated）；CPU 上为 n/a。",
        "en": "Peak memory is reported on GPUs only (torch.cuda.max_memory_allocated); n/a on CPU."},
    "labs.text.lora.note.task": {
        "zh": "任务：按固定置换生成的序列做下一个 token 预测；基座是随机初始化而非预训练模型，"
              "损失只用于同条件下的比较。",
        "en": "Task: next-token prediction on sequences that follow a fixed permutation; the base model is random, "
              "not pretrained, so the loss is only for comparing like with like."},
    "labs.text.lora.progress.model": {"zh": "构建基座模型", "en": "building the base model"},
}
