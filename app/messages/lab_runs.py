"""Text about keeping lab results and runs in bounds: upload refusals, the memory check before a run, deleting a
learner's results and hiding reference results, and runs that a server's end cut short."""

MESSAGES: dict[str, dict[str, str]] = {
    # a result file that is refused ({source}: the file's name)
    "labs.result.not_json": {"zh": "{source}：不是合法的 JSON：{problem}", "en": "{source}: not valid JSON: {problem}"},
    "labs.result.not_object": {"zh": "{source}：实验结果应是一个 JSON 对象",
                               "en": "{source}: a lab result must be a JSON object"},
    "labs.result.schema": {"zh": "{source}：不符合实验结果格式：{problems}",
                           "en": "{source}: not a lab result: {problems}"},
    "labs.result.unknown_lab": {
        "zh": "{source}：字段「lab」：未知的实验 {lab}（已注册的实验：{known}）",
        "en": "{source}: field 'lab': unknown lab {lab} (registered labs: {known})"},
    "labs.result.too_many": {
        "zh": "{source}：字段「{path}」有 {count} 项，最多 {limit} 项",
        "en": "{source}: field '{path}' has {count} items, at most {limit}"},
    "labs.result.too_long": {
        "zh": "{source}：字段「{path}」有 {count} 个字符，最多 {limit} 个",
        "en": "{source}: field '{path}' has {count} characters, at most {limit}"},
    "labs.result.too_many_values": {
        "zh": "{source}：结果共有 {count} 个数值与文本，最多 {limit} 个",
        "en": "{source}: the result holds {count} numbers and strings, at most {limit}"},
    "labs.result.no_file": {"zh": "请选择一个文件。", "en": "Choose a file."},
    # the memory check before a run starts
    "labs.memory.too_large": {
        "zh": "这组参数放不下：估计需要 {estimate}（{estimate_bytes} 字节），而{where}。"
              "请减小模型、batch 或序列长度后再试。",
        "en": "These parameters do not fit: the run needs an estimated {estimate} ({estimate_bytes} bytes), and "
              "{where}. Make the model, the batch or the sequence smaller and try again."},
    "labs.memory.where.cpu": {"zh": "本机内存只有 {limit}（{limit_bytes} 字节）",
                              "en": "this machine's memory has {limit} ({limit_bytes} bytes)"},
    "labs.memory.where.cuda": {"zh": "GPU（{name}）显存只有 {limit}（{limit_bytes} 字节）",
                               "en": "the GPU ({name}) has {limit} ({limit_bytes} bytes)"},
    "labs.memory.where.cap": {"zh": "PREPLAB_LAB_MEMORY_LIMIT_GIB 只允许 {limit}（{limit_bytes} 字节）",
                              "en": "PREPLAB_LAB_MEMORY_LIMIT_GIB allows {limit} ({limit_bytes} bytes)"},
    "labs.memory.hint": {
        "zh": "开始之前会用 labs/formulas.py 估计这次运行的峰值内存，超过设备容量就不运行。",
        "en": "Before a run starts, its peak memory is estimated with labs/formulas.py; a run that cannot fit on the "
              "device is not started."},
    # deleting a learner's run or import
    "labs.delete.button": {"zh": "删除这次运行…", "en": "Delete this run…"},
    "labs.delete.confirm": {"zh": "确定删除运行 #{id}？删除后不能恢复。",
                            "en": "Delete run #{id}? It cannot be undone."},
    "labs.delete.submit": {"zh": "删除", "en": "Delete"},
    "labs.delete.cancel": {"zh": "不删除，返回", "en": "Keep it and go back"},
    "labs.delete.title": {"zh": "删除运行 #{id}", "en": "Delete run #{id}"},
    "labs.delete.what": {
        "zh": "{lab}：{device}，{date}。实验页、概念页和题目页都将不再显示它。",
        "en": "{lab}: {device}, {date}. The lab, concept and question pages will no longer show it."},
    "labs.delete.done": {"zh": "已删除运行 #{id}。", "en": "Run #{id} was deleted."},
    "labs.delete.reference": {
        "zh": "参考结果不能删除（下次启动会重新载入），只能隐藏：POST /labs/runs/{id}/hide 或 PUT "
              "/api/lab-runs/{id}/hidden。",
        "en": "A reference result cannot be deleted (the next start would load it again), only hidden: POST "
              "/labs/runs/{id}/hide or PUT /api/lab-runs/{id}/hidden."},
    "labs.delete.running": {
        "zh": "运行 #{id} 还在进行中：先取消它，再删除。",
        "en": "Run #{id} is still going: cancel it first, then delete it."},
    "labs.run.missing": {"zh": "没有这次运行：#{id}", "en": "No lab run #{id}"},
    # hiding reference results (for everyone on this PrepLab)
    "labs.hide.button": {"zh": "隐藏这个参考结果", "en": "Hide this reference result"},
    "labs.hide.hint": {
        "zh": "隐藏后，实验页、概念页和题目页都不再显示它（对这个 PrepLab 的所有人），可以随时恢复。",
        "en": "Hidden, it is no longer shown on the lab, concept and question pages (for everyone on this PrepLab); "
              "you can show it again at any time."},
    "labs.hide.list": {"zh": "已隐藏的参考结果：", "en": "Hidden reference results:"},
    "labs.hide.show": {"zh": "重新显示", "en": "Show again"},
    "labs.hide.all_hidden": {
        "zh": "这个实验的参考结果都已隐藏。",
        "en": "Every reference result of this lab is hidden."},
    "labs.hide.not_reference": {
        "zh": "运行 #{id} 是你自己的运行，不是参考结果：不需要隐藏，可以删除。",
        "en": "Run #{id} is a run of yours, not a reference result: delete it instead of hiding it."},
    # runs a server's end cut short, or that never started
    "labs.run.not_started": {"zh": "实验进程无法启动", "en": "the lab's process could not be started"},
    "labs.run.server_stopped": {"zh": "服务器已停止，运行被终止", "en": "the server stopped; the run was ended"},
    "labs.run.queued": {
        "zh": "排队中：第 {position} 位（{device} 正忙，前面的运行结束后自动开始）",
        "en": "Queued: position {position} ({device} is busy; this run starts by itself when the ones before it end)"},
    "labs.run.left_behind": {
        "zh": "服务器上次没有正常退出，这次运行被中断",
        "en": "the server did not stop cleanly last time; this run was cut short"},
}
