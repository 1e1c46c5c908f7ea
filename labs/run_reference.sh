#!/usr/bin/env bash
# Capture PrepLab's reference lab results on NVIDIA GPUs (results go to $OUT or ./labs/results).
# Usage:
#   OUT=labs/results bash labs/run_reference.sh            # 2+ GPUs: zero-memory on 2 ranks, then the one-GPU labs
#   OUT=labs/results bash labs/run_reference.sh single     # one GPU: the one-GPU labs only
#   LABS="attention kv-cache" bash labs/run_reference.sh single
# Each one-GPU lab runs on GPU 0 under `timeout $LAB_TIMEOUT` (seconds), so one stuck lab cannot eat the others' time;
# stderr of every lab (progress lines, warnings) goes to $OUT/reference.log.
set -uo pipefail
mode=${1:-multi}
OUT=${OUT:-labs/results}
PY=${PYTHON:-python3}
LAB_TIMEOUT=${LAB_TIMEOUT:-300}
ONE_GPU_LABS=${LABS:-"mixed-precision lora activation-memory attention kv-cache model-math"}
export PYTHONUNBUFFERED=1
mkdir -p "$OUT"
log="$OUT/reference.log"
stamp=$(date -u +%Y%m%d)
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | sed 's/NVIDIA //; s/ .*//')
n=$(nvidia-smi -L | wc -l)
"$PY" -c "import torch, sys; print('python', sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.version.cuda)"
nvidia-smi -L
if [ "$mode" = "multi" ]; then
  torchrun --nproc-per-node 2 -m labs run zero-memory --device cuda --out "$OUT/zero-memory_2x${gpu}_${stamp}.json" \
    2>> "$log"; echo "zero-memory rc=$?"
fi
for lab in $ONE_GPU_LABS; do
  began=$(date +%s)
  echo "== $lab" >> "$log"
  CUDA_VISIBLE_DEVICES=0 timeout "$LAB_TIMEOUT" "$PY" -m labs run "$lab" --device cuda \
    --out "$OUT/${lab}_1x${gpu}_${stamp}.json" 2>> "$log"
  echo "$lab rc=$? $(( $(date +%s) - began ))s"
done
echo "gpus=$n"
