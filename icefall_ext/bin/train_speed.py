#!/usr/bin/env python3
"""Training speed of a recipe's transducer on CPU beside CUDA (mixed precision), then decoding.

    python -m icefall_ext.bin.train_speed --config conf/tiny.yaml \
        --train-cuts data/fbank/cuts_train.jsonl.gz --dev-cuts data/fbank/cuts_dev.jsonl.gz \
        --noise-cuts data/fbank/cuts_noise.jsonl.gz --bpe-model data/lang_bpe/bpe.model \
        --devices cpu cuda --steps 300 --cpu-steps 40 --use-amp --out exp/transducer/train_speed.json

On each device a model from the same seed takes optimizer steps over the config's training
batches (augmented, as after train.augment_start_epoch; epochs repeat as needed) with the
trainer's own step function; steps after a short warm-up are timed (CUDA synchronised). The
model is then greedy-decoded on the dev cuts and scored, which shows the device path works end
to end (a model after a few hundred steps: not the recipe's accuracy). The JSON rows go into
RESULTS.md through stage 9 (icefall_ext.bin.write_results).
"""
import argparse
import json
import logging
import platform
import sys
import time
from pathlib import Path
from typing import Dict, Iterator

import torch

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.data.datamodule import train_dataloader
from icefall_ext.decoding.scoring import compute_wer
from icefall_ext.decoding.search import SearchOptions, decode_cuts
from icefall_ext.features.kaldi_native_fbank import KaldiNativeFbank  # noqa: F401  (registers the extractor)
from icefall_ext.features.stats import global_mean_std
from icefall_ext.models.transducer import Transducer
from icefall_ext.optim import make_optimizer
from icefall_ext.results import speed_table
from icefall_ext.tokens.bpe import Tokenizer
from icefall_ext.training import flush_denormals, load_cuts, make_scaler, make_transducer_loss, train_step
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError
from recipe_common.io import write_text_atomic
from recipe_common.logging import setup_logger
from recipe_common.seed import fix_random_seed

WARMUP_STEPS = 5


def batches(cuts, cfg, noise_cuts) -> Iterator[Dict]:
    epoch = 0
    while True:
        epoch += 1
        dl = train_dataloader(cuts, cfg.train, noise_cuts, augment=True, augment_seed=cfg.train.seed + epoch)
        dl.sampler.set_epoch(epoch)
        yield from dl


def device_label(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({torch.get_num_threads()} threads, {platform.machine()})"


def measure(args, cfg: AsrRecipeConfig, device: torch.device, steps: int, tokenizer: Tokenizer, train_cuts, dev_cuts,
            noise_cuts) -> Dict:
    use_amp = args.use_amp and device.type == "cuda"
    flush_denormals()
    fix_random_seed(cfg.train.seed)
    model = Transducer(cfg.model, vocab_size=tokenizer.vocab_size, blank_id=tokenizer.blank_id)
    model.encoder.set_feature_stats(*global_mean_std(train_cuts))
    model.to(device).train()
    optimizer = make_optimizer(model, cfg.train)
    loss_fn = make_transducer_loss(cfg.model, tokenizer, device)
    scaler = make_scaler(device, use_amp)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    done, skipped, start, loss_sum, frames = 0, 0, None, 0.0, 0
    for batch in batches(train_cuts, cfg, noise_cuts):
        if done == WARMUP_STEPS:
            sync()
            start = time.perf_counter()
        result = train_step(model, loss_fn, optimizer, scaler, batch, cfg.train, done, device, use_amp)
        done += 1
        if result is None:
            skipped += 1
        elif done > steps + WARMUP_STEPS - 20:
            loss_sum, frames = loss_sum + result[0], frames + result[1]
        if done % 50 == 0:
            logging.info(f"{device_label(device)}: {done}/{steps + WARMUP_STEPS} steps")
        if done == steps + WARMUP_STEPS:
            break
    sync()
    elapsed = time.perf_counter() - start
    model.eval()
    results = decode_cuts(model, tokenizer, dev_cuts, "greedy_search", SearchOptions(beam=1), cfg.decode.max_duration)
    row = {
        "device": device_label(device),
        "amp": "float16" if use_amp else "off",
        "timed_steps": steps,
        "steps_per_s": steps / elapsed,
        "skipped_steps": skipped,
        "loss_last_20_steps": loss_sum / max(frames, 1),
        "dev_wer": compute_wer(results)[0],
        "dev_utterances": len(results),
    }
    logging.info(f"{row['device']}: {row['steps_per_s']:.2f} steps/s, dev WER {row['dev_wer']:.1f}%")
    return row


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--train-cuts", required=True, type=Path)
    p.add_argument("--dev-cuts", required=True, type=Path)
    p.add_argument("--noise-cuts", type=Path, default=None)
    p.add_argument("--bpe-model", required=True, type=Path)
    p.add_argument("--devices", nargs="+", choices=["cpu", "cuda"], default=["cpu", "cuda"])
    p.add_argument("--steps", type=int, default=300, help="timed steps on CUDA")
    p.add_argument("--cpu-steps", type=int, default=40, help="timed steps on CPU (slower)")
    p.add_argument("--use-amp", action="store_true", help="float16 mixed precision on CUDA (CPU stays float32)")
    p.add_argument("--out", required=True, type=Path, help="JSON rows, one per device")
    args = p.parse_args()
    setup_logger()
    if "cuda" in args.devices and not torch.cuda.is_available():
        raise InputError("--devices cuda: no CUDA device is available (use --devices cpu)")
    cfg = load_config(args.config, AsrRecipeConfig)
    tokenizer = Tokenizer(args.bpe_model)
    train_cuts, dev_cuts = load_cuts(args.train_cuts), load_cuts(args.dev_cuts)
    noise_cuts = load_cuts(args.noise_cuts) if args.noise_cuts else None
    rows = []
    for name in args.devices:
        steps = args.cpu_steps if name == "cpu" else args.steps
        rows.append(measure(args, cfg, torch.device(name), steps, tokenizer, train_cuts, dev_cuts, noise_cuts))
    command = "python -m icefall_ext.bin.train_speed " + " ".join(sys.argv[1:])
    write_text_atomic(args.out, json.dumps({"command": command, "rows": rows}, indent=2) + "\n")
    print("\n".join(speed_table(rows)))


if __name__ == "__main__":
    run_main(main)
