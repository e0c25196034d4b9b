#!/usr/bin/env python3
"""Stage 4: accuracy, MACs and end-to-end CPU latency of the dense model and every pruned variant,
side by side in one process (same batch, same threads): PyTorch eager, our compiled execution form
(the compiled dense model is the fastest dense baseline), and ONNX Runtime on the exported
compiled models. Each compiled model is checked against its masked model on the test images.
Writes EXP_DIR/<arch>/measure.json, and first EXP_DIR/<arch>/test_correct.json (which test images
each model gets right, for the paired tests of RESULTS.md).

    python -m vision_egs.pruning.bin.measure --config conf/tiny.yaml --exp-dir exp
"""
import json
import logging
from typing import Dict

import torch

from recipe_common.cli import run_main
from recipe_common.errors import InputError
from recipe_common.io import write_text_atomic
from recipe_common.logging import setup_logger
from vision_egs.common.data import load_split
from vision_egs.common.models import load_classifier
from vision_egs.common.onnx_latency import export_onnx, measure_latency
from vision_egs.common.results import write_per_image
from vision_egs.common.train import evaluate_accuracy, evaluate_correct, last_checkpoint
from vision_egs.pruning.compiler import compile_model, executed_macs
from vision_egs.common.stage_cli import stage_arguments
from vision_egs.pruning.experiment import (
    dense_dir,
    load_stage_config,
    mapping_path,
    measure_path,
    per_image_path,
    variant_dir,
    variants,
)
from vision_egs.pruning.finetune import load_pruned
from vision_egs.pruning.latency import interleaved_latency
from vision_egs.pruning.masks import mac_counts


def main() -> None:
    args = stage_arguments(__doc__).parse_args()
    cfg = load_stage_config(args)
    setup_logger(args.exp_dir / "log" / "log-measure")
    lat = cfg.latency
    test = load_split(cfg.data, args, "test")
    shape = (lat.batch_size, 3, 32, 32)
    x = torch.rand(shape)
    cpu = torch.device("cpu")
    for arch in cfg.models:
        out = measure_path(args.exp_dir, arch)
        if out.is_file():
            logging.info(f"{arch}: measured ({out})")
            continue
        dense = load_classifier(last_checkpoint(dense_dir(args.exp_dir, arch)), arch)
        dense_macs, _ = mac_counts(dense, shape)
        correct = {"dense": evaluate_correct(dense, test, cpu)}
        rows: Dict[str, Dict] = {"dense": {"label": "dense", "accuracy": correct["dense"].sum().item() / len(test),
                                           "macs": dense_macs, "executed_macs": dense_macs}}
        runnable = {"dense (eager)": dense, "dense": compile_model(dense)}
        for variant in variants(cfg):
            model = load_pruned(variant_dir(args.exp_dir, arch, variant), arch)
            compiled = compile_model(model)
            correct[variant.name] = evaluate_correct(model, test, cpu)
            acc, acc_compiled = correct[variant.name].sum().item() / len(test), evaluate_accuracy(compiled, test, cpu)
            with torch.no_grad():
                probe = test.images[:lat.batch_size].float() / 255.0
                diff = (model(probe) - compiled(probe)).abs().max().item()
            if diff > 1e-3 or abs(acc - acc_compiled) > 1.5 / len(test):  # a near-tie may flip one image
                raise InputError(f"{arch} {variant.name}: compiled model differs from the masked one "
                                 f"(max |logit diff| {diff:.2e}, accuracy {acc:.4f} vs {acc_compiled:.4f})")
            _, nonzero = mac_counts(model, shape)
            row = {"label": variant.label, "accuracy": acc, "macs": nonzero,
                   "executed_macs": executed_macs(compiled, shape), "max_logit_diff": diff}
            if not variant.uniform:
                saved = json.loads(mapping_path(args.exp_dir, arch, variant.name).read_text())
                row["predicted_ms"] = saved["predicted_ms"]
            rows[variant.name] = row
            runnable[variant.name] = compiled
        logging.info(f"{arch}: timing {len(runnable)} models, {lat.rounds} interleaved rounds")
        for name, ms in interleaved_latency(runnable, x, lat.rounds, lat.runs_per_round).items():
            if name == "dense (eager)":
                rows["dense"]["eager_ms"] = ms
            else:
                rows[name]["latency_ms"] = ms
        onnx_dir = args.exp_dir / arch / "onnx"
        for name, model in runnable.items():
            if name == "dense (eager)":
                continue
            path = onnx_dir / f"{name}.onnx"
            export_onnx(model, x[:2], path)
            rows[name]["onnx_ms"] = measure_latency(path, shape, lat.threads, lat.warmup,
                                                    lat.rounds * lat.runs_per_round)
        base = min(rows["dense"]["latency_ms"], rows["dense"]["eager_ms"])
        for row in rows.values():
            row["speedup"] = base / row["latency_ms"]
            row["mac_reduction"] = dense_macs / row["macs"]
        write_per_image(per_image_path(args.exp_dir, arch), correct)
        write_text_atomic(out, json.dumps({"arch": arch, "batch": lat.batch_size, "threads": lat.threads,
                                           "baseline_ms": base, "rows": rows}, indent=1))
        logging.info(f"{arch}: " + ", ".join(f"{n} {r['accuracy']:.3f}/{r['latency_ms']:.1f}ms"
                                             for n, r in rows.items()))


if __name__ == "__main__":
    run_main(main)
