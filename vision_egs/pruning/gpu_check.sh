#!/usr/bin/env bash
# The full config's dense ResNet-32 (conf/full.yaml) trained on the whole CIFAR-10 for a few
# epochs on one CUDA GPU; its test accuracy goes to <exp-dir>/gpu_check.json. A check that the
# paper-scale training runs on a GPU, not a result. Without CUDA it stops with one line.
#
#   ./gpu_check.sh --corpus-dir download                   # CIFAR-10 already there (torchvision's layout)
#   ./gpu_check.sh --corpus-dir download --download true   # fetch it first
set -euo pipefail

cd "$(dirname "$0")"

conf=conf/full.yaml
corpus_dir=download   # torchvision's CIFAR-10 root (cifar-10-batches-py/), relative to this folder
download=false        # fetch CIFAR-10 into --corpus-dir when it is not there
arch=resnet32
epochs=5
exp_dir=exp/gpu_check

. utils/parse_options.sh
. ./path.sh

download_arg=()
$download && download_arg=(--download)
python -m vision_egs.pruning.bin.gpu_check --config "$conf" --corpus-dir "$corpus_dir" --exp-dir "$exp_dir" \
  --arch "$arch" --epochs "$epochs" "${download_arg[@]}"
