#!/usr/bin/env python3
"""The paper-scale dense model of the pruning recipe (conf/full.yaml's `dense` section, ResNet-32 by
default) trained on the whole CIFAR-10 for a few epochs on one CUDA GPU, its test accuracy with the
95 % Wilson interval written to EXP_DIR/gpu_check.json: a check that the full config trains on a
GPU, not a result (the cosine schedule is shortened to --epochs). Refuses, with one line, where
CUDA is not available, before reading any data.

    python -m vision_egs.pruning.bin.gpu_check --config conf/full.yaml --corpus-dir DIR --exp-dir exp/gpu_check \
        [--arch resnet32] [--epochs 5] [--download]
"""
import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import torch

from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError
from recipe_common.io import write_text_atomic
from vision_egs.common.data import load_cifar10
from vision_egs.common.metrics import wilson_interval
from vision_egs.common.results import read_per_image
from vision_egs.common.train import final_correct_path, train_classifier
from vision_egs.pruning.config import PruningConfig


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--corpus-dir", required=True, type=Path, help="torchvision's CIFAR-10 root")
    p.add_argument("--exp-dir", required=True, type=Path)
    p.add_argument("--arch", default="resnet32")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--download", action="store_true", help="fetch CIFAR-10 into --corpus-dir if it is not there")
    args = p.parse_args()
    if not torch.cuda.is_available():
        raise InputError("CUDA is not available (torch.cuda.is_available() is False): this check trains on a GPU")
    cfg = load_config(args.config, PruningConfig)
    train = load_cifar10(args.corpus_dir, "train", args.download)
    test = load_cifar10(args.corpus_dir, "test", args.download)
    train_cfg = replace(cfg.dense, epochs=args.epochs, lr=cfg.dense_lr.get(args.arch, cfg.dense.lr))
    start = time.time()
    train_classifier(args.arch, train, test, train_cfg, args.exp_dir, torch.device("cuda"))
    correct = read_per_image(final_correct_path(args.exp_dir), "this check")[args.arch]
    accuracy, low, high = wilson_interval(int(correct.sum()), correct.size)
    report = {"arch": args.arch, "epochs": args.epochs, "device": torch.cuda.get_device_name(),
              "train_images": len(train), "test_images": len(test), "accuracy": accuracy, "wilson_95": [low, high],
              "minutes": (time.time() - start) / 60}
    write_text_atomic(args.exp_dir / "gpu_check.json", json.dumps(report, indent=1) + "\n")
    print(f"{args.arch}, {args.epochs} epochs on {report['device']}: test accuracy {100 * accuracy:.2f}% "
          f"[{100 * low:.2f}, {100 * high:.2f}] ({args.exp_dir}/gpu_check.json)")


if __name__ == "__main__":
    run_main(main)
