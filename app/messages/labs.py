"""UI text for the labs pages and the lab results shown on concept and question pages."""

MESSAGES: dict[str, dict[str, str]] = {
    "nav.labs": {"zh": "实验", "en": "Labs"},
    "labs.title": {"zh": "实验", "en": "Labs"},
    "labs.intro": {
        "zh": "可运行的 PyTorch 实验：把教科书上的公式放到真实的硬件上量一量。",
        "en": "Runnable PyTorch experiments: textbook formulas measured on real hardware."},
    "labs.concepts": {"zh": "相关概念", "en": "Concepts"},
    "labs.params": {"zh": "参数", "en": "Parameters"},
    "labs.param.name": {"zh": "名称", "en": "Name"},
    "labs.param.default": {"zh": "默认值", "en": "Default"},
    "labs.param.range": {"zh": "范围", "en": "Range"},
    "labs.param.help": {"zh": "说明", "en": "Meaning"},
    "labs.latest": {"zh": "最新结果", "en": "Latest result"},
    "labs.no_result": {"zh": "还没有结果。", "en": "No result yet."},
    "labs.open": {"zh": "打开实验", "en": "Open lab"},
    "labs.no_torch": {
        "zh": "这里的 .venv 里没有 PyTorch：结果可以看，但不能在本机运行。在 PrepLab "
              "的目录里运行下面这条命令（装上实验依赖，默认是 CPU 版 torch），然后重启 PrepLab：",
        "en": "PyTorch is not installed in this .venv: results can be read but not run here. In PrepLab's folder run "
              "this command (it installs the labs' dependencies, the CPU build of torch by default), then restart "
              "PrepLab:"},
    "labs.no_torch.cuda": {
        "zh": "要用本机 GPU 的 CUDA 版 torch（README 的“实验”一节有说明）：",
        "en": "For a CUDA build of torch, to run on this machine's GPU (see README, Labs):"},
    "labs.unavailable": {"zh": "实验列表不可用（需要 .venv 中的 torch）：", "en": "Labs unavailable (torch needed):"},
    "labs.reference": {
        "zh": "参考结果：在 {device} 上测得，torch {torch}，CUDA {cuda}，{date}",
        "en": "Reference result: measured on {device}, torch {torch}, CUDA {cuda}, {date}"},
    "labs.own": {"zh": "你的运行：{device}，torch {torch}，{date}", "en": "Your run: {device}, torch {torch}, {date}"},
    "labs.oom": {
        "zh": "显存不足（OOM）：这组参数在该设备上放不下。",
        "en": "Out of memory: these parameters do not fit."},
    "labs.error": {"zh": "实验出错：", "en": "The lab failed:"},
    "labs.checks": {"zh": "核对：公式预测 vs 实测", "en": "Checks: predicted vs measured"},
    "labs.check.claim": {"zh": "论断", "en": "Claim"},
    "labs.check.predicted": {"zh": "预测", "en": "Predicted"},
    "labs.check.measured": {"zh": "实测", "en": "Measured"},
    "labs.check.tolerance": {"zh": "容差", "en": "Tolerance"},
    "labs.check.result": {"zh": "结果", "en": "Result"},
    "labs.pass": {"zh": "通过", "en": "pass"},
    "labs.fail": {"zh": "未通过", "en": "fail"},
    "labs.notes": {"zh": "说明", "en": "Notes"},
    "labs.env": {"zh": "环境", "en": "Environment"},
    "labs.command": {"zh": "命令", "en": "Command"},
    "labs.duration": {"zh": "耗时 {seconds} 秒", "en": "{seconds} s"},
    "labs.details": {"zh": "查看完整结果", "en": "Full result"},
    "labs.run.title": {"zh": "运行实验", "en": "Run the lab"},
    "labs.run.device": {"zh": "设备", "en": "Device"},
    "labs.run.start": {"zh": "开始运行", "en": "Start"},
    "labs.run.cancel": {"zh": "取消", "en": "Cancel"},
    "labs.run.hint": {"zh": "留空的参数使用该设备的默认大小。", "en": "Empty fields use the device's default size."},
    "labs.run.status": {"zh": "运行 #{id}：{status}", "en": "Run #{id}: {status}"},
    "labs.status.queued": {"zh": "排队中", "en": "queued"},
    "labs.status.running": {"zh": "运行中", "en": "running"},
    "labs.status.done": {"zh": "完成", "en": "done"},
    "labs.status.failed": {"zh": "失败", "en": "failed"},
    "labs.status.cancelled": {"zh": "已取消", "en": "cancelled"},
    "labs.import.title": {"zh": "导入在别处运行的结果", "en": "Import a result run elsewhere"},
    "labs.import.file": {"zh": "结果 JSON 文件", "en": "Result JSON file"},
    "labs.import.submit": {"zh": "导入", "en": "Import"},
    "labs.import.empty": {"zh": "请选择一个文件。", "en": "Choose a file."},
    "labs.copy": {"zh": "复制", "en": "Copy"},
    "labs.copied": {"zh": "已复制", "en": "Copied"},
    "labs.section.reference": {"zh": "参考结果", "en": "Reference result"},
    "labs.section.calculator": {"zh": "计算器", "en": "Calculator"},
    "labs.section.run": {"zh": "在本机运行", "en": "Run it here"},
    "labs.section.compare": {"zh": "参考结果 vs 你的运行", "en": "Reference vs your run"},
    "labs.reference.none": {"zh": "这个实验还没有参考结果。", "en": "This lab has no reference result yet."},
    "labs.reference.others": {"zh": "其他参考结果：", "en": "Other reference results:"},
    "labs.reference.short": {"zh": "参考：{device}，{date}", "en": "Reference: {device}, {date}"},
    "labs.mine.title": {"zh": "你的运行", "en": "Your run"},
    "labs.mine.short": {"zh": "你的运行：{device}，{date}", "en": "Your run: {device}, {date}"},
    "labs.mine.none": {
        "zh": "还没有你自己的运行：用上面的表单在本机运行，或在 /labs 导入在别处运行的结果。参考结果一直显示在上面。",
        "en": "No run of yours yet: run it here with the form above, or import a result run elsewhere on /labs. The "
              "reference result stays shown above."},
    "labs.mine.list": {"zh": "你的运行记录：", "en": "Your runs:"},
    "labs.mine.full": {"zh": "你这次运行的完整结果（表、图、说明）", "en": "Your run in full (tables, charts, notes)"},
    "labs.mine.compare": {"zh": "与参考结果对照 →", "en": "Compare with the reference →"},
    "labs.compare.metric": {"zh": "指标", "en": "Metric"},
    "labs.compare.metrics": {"zh": "{count} 项", "en": "{count} metrics"},
    "labs.compare.reference": {"zh": "参考", "en": "Reference"},
    "labs.compare.mine": {"zh": "你的运行", "en": "Yours"},
    "labs.compare.device": {"zh": "设备", "en": "Device"},
    "labs.compare.duration": {"zh": "耗时", "en": "Duration"},
    "labs.compare.machine": {"zh": "机器", "en": "Machine"},
    "labs.compare.params": {"zh": "不同的参数", "en": "Parameters that differ"},
    "labs.compare.sizes_differ": {
        "zh": "两次运行的规模不同（见“不同的参数”），测得的数值不必相同；核对项说的是公式与实测之间的关系，"
              "两边都应成立。",
        "en": "The two runs differ in size (see “Parameters that differ”), so their numbers need not agree; the "
              "checks relate formula and measurement and should hold on both."},
    "labs.compare.same_size": {
        "zh": "两次运行的参数相同：数值可以直接比较。",
        "en": "Both runs used the same parameters: their numbers compare directly."},
    "labs.compare.missing": {"zh": "—", "en": "—"},
    "labs.run.would_use": {"zh": "在本机运行将使用：", "en": "A run here would use:"},
    "labs.run.device.cpu": {
        "zh": "CPU（{name}）：默认用小规模，几秒到一分钟",
        "en": "CPU ({name}): toy size by default, seconds to a minute"},
    "labs.run.device.cuda": {"zh": "GPU（{name}）：默认用完整规模", "en": "GPU ({name}): full size by default"},
    "labs.run.torch": {"zh": "torch {version}", "en": "torch {version}"},
    "labs.run.one_gpu": {
        "zh": "本机只有 1 块 GPU：这个实验在 GPU 上以 N=1 运行，ZeRO 不分片，各阶段每卡都持有全部 "
              "16Ψ（看到的是真实规模下的字节数与 CUDA 分配器的开销）。选 CPU 则启动 2 个 gloo 进程，能看到 ÷N；"
              "多卡机器上用 torchrun。",
        "en": "This machine has one GPU: on it this lab runs with N=1, where ZeRO partitions nothing and every stage "
              "holds the whole 16Ψ (what you see is the bytes at full size and the CUDA allocator's overhead). On "
              "CPU it starts 2 gloo processes and shows the ÷N; on a multi-GPU machine use torchrun."},
    "labs.run.presets": {"zh": "预设：", "en": "Presets:"},
    "labs.run.params": {"zh": "参数", "en": "Parameters"},
    "labs.param.default_is": {"zh": "默认 {value}", "en": "default {value}"},
    "labs.param.cpu_is": {"zh": "CPU 上 {value}", "en": "{value} on CPU"},
    "labs.param.between": {"zh": "{low} 到 {high}", "en": "{low} to {high}"},
    "labs.param.at_least": {"zh": "≥ {low}", "en": "≥ {low}"},
    "labs.param.at_most": {"zh": "≤ {high}", "en": "≤ {high}"},
    "labs.param.list": {"zh": "逗号分隔", "en": "comma separated"},
    "labs.param.bool_default": {"zh": "（默认）", "en": "(default)"},
    "labs.preset.clear": {"zh": "留空（按设备默认）", "en": "Empty (device's size)"},
    "labs.preset.cpu": {"zh": "CPU 小规模", "en": "CPU toy size"},
    "labs.preset.gpu": {"zh": "GPU 完整规模", "en": "Full GPU size"},
    "labs.preset.quick": {"zh": "快速试跑", "en": "Quick try"},
    "labs.preset.few_ranks": {"zh": "只测 r = 1、8、64", "en": "Ranks 1, 8, 64 only"},
    "labs.preset.four_ranks": {"zh": "4 个 CPU 进程", "en": "4 CPU processes"},
    "labs.preset.paper_calc": {"zh": "论文例子：7.5B、64 卡", "en": "The paper's example: 7.5B, 64 GPUs"},
    "labs.chart.data": {"zh": "数据表", "en": "Data table"},
    "labs.calc.intro": {
        "zh": "改动输入，表和图随之重画。用的是 labs/formulas.py 里的同一个公式（本实验拿它核对实测值，"
              "显存规划器也用它），由服务器计算，不需要 torch。只计模型状态（参数、梯度、Adam 状态，K = 12），"
              "不含激活和临时缓冲。",
        "en": "Change an input and the table and chart redraw. They come from the one formula in labs/formulas.py "
              "(the one this lab checks its measurements against, and the memory planner uses), computed by the "
              "server without torch. Model states only (parameters, gradients, Adam state, K = 12): no activations "
              "or temporary buffers."},
    "labs.calc.compute": {"zh": "计算", "en": "Compute"},
    "labs.calc.fewest": {"zh": "放进 {gib} GiB 至少要几卡", "en": "Fewest GPUs to fit {gib} GiB"},
    "labs.calc.yes": {"zh": "✓ 放得下", "en": "✓ fits"},
    "labs.calc.no": {"zh": "✗ 放不下", "en": "✗ too big"},
    "labs.calc.never": {"zh": "怎么分都放不下", "en": "never"},
    "labs.calc.capacity": {"zh": "每卡显存 {gib} GiB", "en": "GPU memory {gib} GiB"},
    "labs.calc.chart": {
        "zh": "每卡模型状态随卡数 N 变化（Ψ = {psi}B）",
        "en": "Model states per GPU against N (Ψ = {psi}B)"},
    "labs.calc.table": {"zh": "每卡模型状态：Ψ = {psi}B，N = {n}", "en": "Model states per GPU: Ψ = {psi}B, N = {n}"},
    "labs.calc.input.calc_params_b": {"zh": "模型参数量 Ψ", "en": "Model parameters Ψ"},
    "labs.calc.unit.calc_params_b": {"zh": "十亿", "en": "billions"},
    "labs.calc.input.calc_gpus": {"zh": "数据并行卡数 N", "en": "Data-parallel GPUs N"},
    "labs.calc.unit.calc_gpus": {"zh": "块 GPU", "en": "GPUs"},
    "labs.calc.input.gpu_gib": {
        "zh": "每卡显存（H100 80 GiB；H200 141 GB ≈ 131 GiB）",
        "en": "Memory per GPU (H100: 80 GiB; H200: 141 GB ≈ 131 GiB)"},
    "labs.calc.unit.gpu_gib": {"zh": "GiB", "en": "GiB"},
}
