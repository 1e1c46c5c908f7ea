#!/usr/bin/env bash
# Capture PrepLab's reference lab results on a machine with 2 or more NVIDIA GPUs (results go to $OUT or ./labs/results).
# Usage: OUT=labs/results bash labs/run_reference.sh
set -uo pipefail
OUT=${OUT:-labs/results}
mkdir -p "$OUT"
stamp=$(date -u +%Y%m%d)
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | sed 's/NVIDIA //; s/ .*//')
n=$(nvidia-smi -L | wc -l)
python -c "import torch, sys; print('python', sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.version.cuda)"
nvidia-smi -L
torchrun --nproc-per-node 2 -m labs run zero-memory --device cuda --out "$OUT/zero-memory_2x${gpu}_${stamp}.json" \
  2> "$OUT/zero-memory.log"; echo "zero-memory rc=$?"
CUDA_VISIBLE_DEVICES=0 python -m labs run mixed-precision --device cuda --out "$OUT/mixed-precision_1x${gpu}_${stamp}.json" \
  2> "$OUT/mixed-precision.log"; echo "mixed-precision rc=$?"
CUDA_VISIBLE_DEVICES=0 python -m labs run lora --device cuda --out "$OUT/lora_1x${gpu}_${stamp}.json" \
  2> "$OUT/lora.log"; echo "lora rc=$?"
echo "gpus=$n"
