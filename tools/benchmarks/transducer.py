#!/usr/bin/env python3
"""Transducer training losses and decoding searches, measured side by side in one run.

    python tools/benchmarks/transducer.py --out tools/benchmarks/RESULTS.md [--device cuda]

Losses: forward + backward from the encoder output (B, T, D) and the labels, through the
decoder and joiner of a random transducer, to the summed loss: the full-sum loss on the
(B, T, U+1, V) joiner output (icefall_ext), the same output through torchaudio's `rnnt_loss`
(when it is importable: `pip install --no-deps torchaudio==2.11.0`, for this benchmark only), and
the pruned loss (the simple loss, the joiner on --prune-range positions, the pruned loss; the
training path of `model.loss: pruned`). Median of --repeats after one warm-up, in wall-clock and
in process CPU seconds (the latter less affected by other jobs on a shared CPU). Each measurement
runs in a process of its own, so that its peak memory is its own: on CPU the growth of the
process's peak RSS (ru_maxrss) over its RSS once model and inputs exist; on CUDA the allocator's
peak (max_memory_allocated) over what was allocated then.

Decoding: a random transducer (vocabulary and width of the last shape) on random encoder
outputs of ragged lengths; utterances per second (of process CPU time on a CPU, of wall-clock
time on CUDA) of each search over batches of 1, 8 and 32
(--decode-batches) beside the same search run one utterance at a time, and whether the two give
the same hypotheses.

Training: the model of each --train-config (encoder included, built as icefall_ext.bin.train builds
it) takes optimizer steps with the trainer's own step function, optimizer and loss functions
(model.loss full, then pruned at the config's prune_range) on a random batch of the given shape
(icefall_ext.data.synthetic: normalised-fbank-like features, random labels of the config's
vocabulary). Each in a process of its own: utterances per second of the median step of --repeats
after one warm-up step, in wall-clock and in process CPU time, and the peak memory growth as for
the losses (it includes AdamW's state, made in the warm-up step).

A failed measurement is reported in its row and makes the exit status 1.
"""
import argparse
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the toolkit this script sits in, whatever the current directory

# name -> (batch, frames, labels, vocabulary, model width): an FSDD-like tiny config, then the shapes
# of issue 25 with the widths of the speechocean762 tiny and the LibriSpeech full configs.
DEFAULT_SHAPES = ["tiny=16,50,5,32,128", "speechocean762=16,100,20,500,256", "librispeech=8,375,100,500,512"]
LOSSES = ["full-sum", "pruned", "torchaudio"]
# config=B,T,U: utterances, feature frames and labels of a batch like the recipe's (AN4: ~3 s
# utterances of ~12 pieces in 60 s batches; speechocean762: ~4 s sentences of ~25 pieces in 40 s)
DEFAULT_TRAIN_CONFIGS = ["egs/an4/ASR/conf/tiny.yaml=16,300,12", "egs/speechocean762/ASR/conf/tiny.yaml=10,400,25"]
TRAIN_LOSSES = ["full", "pruned"]


def parse_shape(text: str) -> Tuple[str, List[int]]:
    name, _, dims = text.partition("=")
    try:
        values = [int(v) for v in dims.split(",")]
    except ValueError:
        values = []
    if not name or len(values) != 5 or min(values) <= 0:
        raise argparse.ArgumentTypeError(f"--shape {text!r}: expected NAME=B,T,U,V,WIDTH with positive integers")
    return name, values


def parse_train_config(text: str):
    """CONFIG=B,T,U -> (path, [B, T, U], the config loaded as the trainer loads it)."""
    from icefall_ext.asr_config import AsrRecipeConfig
    from recipe_common.config import load_config
    from recipe_common.errors import InputError

    path, _, dims = text.rpartition("=")
    try:
        values = [int(v) for v in dims.split(",")]
    except ValueError:
        values = []
    if not path or len(values) != 3 or min(values) <= 0:
        raise argparse.ArgumentTypeError(f"--train-config {text!r}: expected CONFIG=B,T,U with positive integers")
    try:
        return Path(path), values, load_config(path, AsrRecipeConfig)
    except InputError as e:
        raise argparse.ArgumentTypeError(f"--train-config {text!r}: {e}")


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def random_transducer(vocab: int, width: int, prune_range: int):
    """A transducer whose decoder and joiner have the recipe's sizes; its encoder is never run."""
    from icefall_ext.models.conformer import ConformerConfig
    from icefall_ext.models.transducer import Transducer, TransducerConfig

    encoder = ConformerConfig(num_features=8, d_model=width, num_layers=1, num_heads=4, feedforward_dim=width)
    cfg = TransducerConfig(encoder=encoder, decoder_dim=width, joiner_dim=width, ctc_loss_scale=0.0, loss="pruned",
                           prune_range=prune_range)
    return Transducer(cfg, vocab_size=vocab)


def current_rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def memory_now(dev) -> int:
    """What the peak is measured from: CUDA bytes allocated, or this process's RSS in kB."""
    import torch

    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)
        return torch.cuda.memory_allocated(dev)
    return current_rss_kb()


def peak_growth_mb(dev, base: int) -> float:
    import torch

    if dev.type == "cuda":
        return (torch.cuda.max_memory_allocated(dev) - base) / 2**20
    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base, 0) / 1024


def timed_median(step: Callable[[int], None], repeats: int, dev) -> Tuple[float, float]:
    """Median wall-clock and process CPU seconds of step(1..repeats), after the warm-up step(0)."""
    import torch

    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    times, cpu_times = [], []
    for i in range(repeats + 1):
        sync()
        start, cpu_start = time.perf_counter(), time.process_time()
        step(i)
        sync()
        if i > 0:
            times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - cpu_start)
    return statistics.median(times), statistics.median(cpu_times)


def measure_loss(impl: str, dims: List[int], device: str, repeats: int, prune_range: int) -> Dict:
    """One loss at one shape, in this process: median seconds, peak memory in MB, loss per utterance."""
    import torch

    b, t, u, v, width = dims
    torch.manual_seed(0)
    dev = torch.device(device)
    model = random_transducer(v, width, prune_range).to(dev)
    enc = torch.randn(b, t, width, device=dev, requires_grad=True)
    y = torch.randint(1, v, (b, u), device=dev)
    t_lens, u_lens = torch.full((b,), t, device=dev), torch.full((b,), u, device=dev)
    if impl == "torchaudio":
        from torchaudio.functional import rnnt_loss as torchaudio_rnnt_loss

        def loss_fn():
            logits = model.joiner(enc.unsqueeze(2), model.forward_decoder(y).unsqueeze(1))
            return torchaudio_rnnt_loss(logits, y.int(), t_lens.int(), u_lens.int(), blank=0, reduction="sum")
    else:
        model.cfg.loss = "full" if impl == "full-sum" else "pruned"

        def loss_fn():
            out = model.forward_transducer(enc, t_lens, y, u_lens)
            return out["rnnt"] if "rnnt" in out else out["simple"] + out["pruned"]

    last = {}

    def step(_: int) -> None:
        loss = loss_fn()
        loss.backward()
        last["loss"] = loss.detach()
        model.zero_grad(set_to_none=True)
        enc.grad = None

    base = memory_now(dev)
    seconds, cpu_seconds = timed_median(step, repeats, dev)
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_mb": peak_growth_mb(dev, base),
            "loss_per_utt": last["loss"].item() / b}


def measure_training(cfg, loss: str, dims: List[int], device: str, repeats: int) -> Dict:
    """Optimizer steps of a recipe's model (cfg: its AsrRecipeConfig) with one loss, in this process:
    utterances per second (wall-clock and process CPU) of the median step, peak memory in MB."""
    import dataclasses

    import torch

    from icefall_ext.data.synthetic import IdTokenizer, random_batch
    from icefall_ext.models.transducer import Transducer
    from icefall_ext.optim import make_optimizer
    from icefall_ext.training import flush_denormals, make_scaler, make_transducer_loss, train_step
    from recipe_common.seed import fix_random_seed

    b, t, u = dims
    model_cfg = dataclasses.replace(cfg.model, loss=loss)
    tokenizer = IdTokenizer(cfg.tokens.vocab_size)
    dev = torch.device(device)
    flush_denormals()
    fix_random_seed(cfg.train.seed)
    model = Transducer(model_cfg, vocab_size=tokenizer.vocab_size, blank_id=tokenizer.blank_id).to(dev).train()
    optimizer = make_optimizer(model, cfg.train)
    loss_fn = make_transducer_loss(model_cfg, tokenizer, dev)
    scaler = make_scaler(dev, use_amp=False)
    batch = random_batch(b, t, u, model_cfg.encoder.num_features, tokenizer.vocab_size,
                         torch.Generator().manual_seed(cfg.train.seed))
    batch["inputs"] = batch["inputs"].to(dev)

    def step(i: int) -> None:
        if train_step(model, loss_fn, optimizer, scaler, batch, cfg.train, i, dev) is None:
            raise RuntimeError(f"step {i}: non-finite loss or gradient, the step was skipped")

    base = memory_now(dev)
    seconds, cpu_seconds = timed_median(step, repeats, dev)
    return {"utt_per_s": b / seconds, "utt_per_cpu_s": b / cpu_seconds, "peak_mb": peak_growth_mb(dev, base),
            "parameters": sum(p.numel() for p in model.parameters())}


def run_worker(cmd: List[str]) -> Dict:
    """One measurement in a child process: its JSON line, or its last line of stderr as the error."""
    proc = subprocess.run([sys.executable, __file__, *cmd], capture_output=True, text=True)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        return {"error": lines[-1] if lines else f"exit status {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_loss_worker(impl: str, shape: str, args) -> Dict:
    return run_worker(["--worker", impl, "--shape", shape, "--device", args.device, "--repeats", str(args.repeats),
                       "--prune-range", str(args.prune_range)])


def run_train_worker(loss: str, config: Path, dims: List[int], args) -> Dict:
    spec = f"{config}=" + ",".join(map(str, dims))
    return run_worker(["--train-worker", loss, "--train-config", spec, "--device", args.device,
                       "--repeats", str(args.repeats)])


def measure_decoding(args, dims: List[int]) -> List[Dict]:
    """Utterances/s of the batched searches and of the same searches one utterance at a time."""
    import torch

    from icefall_ext.decoding.beam_search import modified_beam_search_batch, modified_beam_search_one
    from icefall_ext.decoding.greedy_search import greedy_search_batch

    _, _, _, v, width = dims
    dev = torch.device(args.device)
    torch.manual_seed(0)
    model = random_transducer(v, width, args.prune_range).to(dev).eval()
    n, t = args.decode_utterances, args.decode_frames
    enc = torch.randn(n, t, width, device=dev)
    lens = torch.randint(max(1, t // 2), t + 1, (n,), device=dev)
    ctx = model.decoder.context_size
    searches = {
        "greedy_search": (lambda e, l: greedy_search_batch(model, e, l),
                          lambda e: greedy_search_batch(model, e.unsqueeze(0), torch.tensor([e.shape[0]], device=dev))[0]),
        "modified_beam_search": (lambda e, l: [list(h[0].ys[ctx:]) for h in modified_beam_search_batch(model, e, l, args.beam)],
                                 lambda e: list(modified_beam_search_one(model, e, args.beam)[0].ys[ctx:])),
    }
    # utterances per wall-clock second on CUDA, per process CPU second on a CPU another job may share
    if dev.type == "cuda":
        def clock() -> float:
            torch.cuda.synchronize()
            return time.perf_counter()
    else:
        clock = time.process_time
    rows = []
    for name, (batched, one) in searches.items():
        batched(enc[:1], lens[:1]), one(enc[0, : lens[0]])  # first calls set up kernels and caches: not timed
        start = clock()
        singles = [one(enc[i, : lens[i]]) for i in range(n)]
        per_utt = n / (clock() - start)
        for batch in args.decode_batches:
            start = clock()
            hyps = [h for i in range(0, n, batch) for h in batched(enc[i : i + batch], lens[i : i + batch])]
            rate = n / (clock() - start)
            same = sum(a == b for a, b in zip(hyps, singles))
            rows.append({"method": name, "batch": batch, "batched": rate, "per_utt": per_utt, "same": same, "n": n})
    return rows


def loss_table(shapes, results, args) -> List[str]:
    memory = ("peak CUDA memory above the inputs (MB; torch.cuda.max_memory_allocated)" if args.device == "cuda"
              else "peak RSS growth (MB; ru_maxrss of its own process, less RSS with model and inputs)")
    clock = "seconds" if args.device == "cuda" else "cpu_seconds"  # another job's load changes wall time on a CPU
    lines = [f"| shape | B | T | U | V | width | loss | time (s) | process CPU time (s) | {memory} | "
             f"{'time' if args.device == 'cuda' else 'CPU time'} vs full-sum | "
             "memory vs full-sum | loss / utterance |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, dims in shapes:
        full = results[(name, "full-sum")]
        for impl in LOSSES:
            r = results[(name, impl)]
            label = f"pruned (s={args.prune_range})" if impl == "pruned" else impl
            head = f"| {name} | " + " | ".join(str(d) for d in dims) + f" | {label} |"
            if "error" in r:
                lines.append(head + f" {r['error']} | | | | | |")
                continue
            ratio_t = ratio_m = "—"
            if "error" not in full and impl != "full-sum":
                ours, theirs = r[clock], full[clock]
                ratio_t = f"{theirs / ours:.1f}× faster" if ours < theirs else f"{ours / theirs:.1f}× slower"
                ratio_m = f"{r['peak_mb'] / full['peak_mb']:.2f}" if full["peak_mb"] > 0 else "—"
            lines.append(head + f" {r['seconds']:.4f} | {r['cpu_seconds']:.4f} | {r['peak_mb']:.1f} | {ratio_t} | {ratio_m} | "
                                f"{r['loss_per_utt']:.3f} |")
    return lines


def train_table(train_configs, results, args) -> List[str]:
    memory = "peak CUDA memory growth (MB)" if args.device == "cuda" else "peak RSS growth (MB; ru_maxrss)"
    clock = "utt_per_s" if args.device == "cuda" else "utt_per_cpu_s"  # as in the loss table
    lines = [f"| config | B | T | U | V | parameters | loss | utt/s (wall-clock) | utt per process CPU s | {memory} | "
             f"{'speed' if args.device == 'cuda' else 'CPU-time speed'} vs full-sum | memory vs full-sum |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for config, dims, cfg in train_configs:
        full = results[(config, "full")]
        for loss in TRAIN_LOSSES:
            r = results[(config, loss)]
            label = f"pruned (s={cfg.model.prune_range})" if loss == "pruned" else "full-sum"
            head = f"| {display_path(config)} | " + " | ".join(map(str, dims)) + f" | {cfg.tokens.vocab_size} |"
            if "error" in r:
                lines.append(head + f" | {label} | {r['error']} | | | | |")
                continue
            ratio_t = ratio_m = "—"
            if "error" not in full and loss != "full":
                ours, theirs = r[clock], full[clock]
                ratio_t = f"{ours / theirs:.1f}× faster" if ours > theirs else f"{theirs / ours:.1f}× slower"
                ratio_m = f"{r['peak_mb'] / full['peak_mb']:.2f}" if full["peak_mb"] > 0 else "—"
            lines.append(head + f" {r['parameters']:,} | {label} | {r['utt_per_s']:.2f} | {r['utt_per_cpu_s']:.2f} | "
                                f"{r['peak_mb']:.1f} | {ratio_t} | {ratio_m} |")
    return lines


def decode_table(rows, device: str) -> List[str]:
    unit = "utt/s" if device == "cuda" else "utt per CPU s"
    lines = [f"| search | batch | batched ({unit}) | one utterance at a time ({unit}) | speed-up | same best hypotheses |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['method']} | {r['batch']} | {r['batched']:.1f} | {r['per_utt']:.1f} | "
                     f"{r['batched'] / r['per_utt']:.1f}× | {r['same']} of {r['n']} |")
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=None, help="write the report (Markdown) here as well")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--shape", action="append", type=parse_shape, default=None,
                   help="NAME=B,T,U,V,WIDTH, repeatable (default: " + " ".join(DEFAULT_SHAPES) + ")")
    p.add_argument("--train-config", action="append", type=parse_train_config, default=None,
                   help="CONFIG=B,T,U: a recipe config whose model trains on batches of B utterances of T frames and "
                        "U labels, repeatable (default: " + " ".join(DEFAULT_TRAIN_CONFIGS) + ", from the repository root)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--prune-range", type=int, default=5)
    p.add_argument("--decode-utterances", type=int, default=64)
    p.add_argument("--decode-frames", type=int, default=100, help="longest encoder output; lengths are drawn from T/2..T")
    p.add_argument("--decode-batches", type=int, nargs="+", default=[1, 8, 32])
    p.add_argument("--beam", type=int, default=4)
    p.add_argument("--worker", choices=LOSSES, default=None, help=argparse.SUPPRESS)  # one measurement, in a child
    p.add_argument("--train-worker", choices=TRAIN_LOSSES, default=None, help=argparse.SUPPRESS)  # the same for training
    args = p.parse_args()
    shapes = args.shape or [parse_shape(s) for s in DEFAULT_SHAPES]
    if args.worker:
        print(json.dumps(measure_loss(args.worker, shapes[0][1], args.device, args.repeats, args.prune_range)))
        return
    train_configs = args.train_config or [parse_train_config(str(ROOT / s)) for s in DEFAULT_TRAIN_CONFIGS]
    if args.train_worker:
        _, dims, cfg = train_configs[0]
        print(json.dumps(measure_training(cfg, args.train_worker, dims, args.device, args.repeats)))
        return
    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda: no CUDA device is available")
    has_torchaudio = importlib.util.find_spec("torchaudio") is not None
    load_before = os.getloadavg()[0]  # other jobs on the machine: they slow wall-clock times more than CPU times
    results = {}
    for name, dims in shapes:
        spec = f"{name}=" + ",".join(map(str, dims))
        for impl in LOSSES:
            if impl == "torchaudio" and not has_torchaudio:
                results[(name, impl)] = {"error": "not installed (`pip install --no-deps torchaudio==2.11.0` to include it)"}
                continue
            print(f"loss {impl} at {spec} ...", file=sys.stderr, flush=True)
            results[(name, impl)] = run_loss_worker(impl, spec, args)
    train_results = {}
    for config, dims, _ in train_configs:
        for loss in TRAIN_LOSSES:
            print(f"training with the {loss} loss: {display_path(config)} ...", file=sys.stderr, flush=True)
            train_results[(config, loss)] = run_train_worker(loss, config, dims, args)
    print("decoding ...", file=sys.stderr, flush=True)
    decode_rows = measure_decoding(args, shapes[-1][1])

    device = torch.cuda.get_device_name() if args.device == "cuda" else f"CPU ({os.cpu_count()} cores, {platform.machine()})"
    load = f"1-minute load average {load_before:.1f} at the start and {os.getloadavg()[0]:.1f} at the end"
    command = "python tools/benchmarks/transducer.py " + " ".join(sys.argv[1:])
    versions = f"torch {torch.__version__}"
    if has_torchaudio:
        from importlib.metadata import version

        versions += f", torchaudio {version('torchaudio')} (installed with --no-deps for this benchmark)"
    report = "\n".join([
        "# Transducer losses and searches", "",
        f"Written by `{command}` on {device}, {versions}, {torch.get_num_threads()} threads; {load}.", "",
        f"## Losses: forward + backward, median of {args.repeats}", "",
        *loss_table(shapes, results, args), "",
        f"## Decoding: {args.decode_utterances} random utterances of {args.decode_frames // 2}..{args.decode_frames} frames, "
        f"vocabulary {shapes[-1][1][3]}, width {shapes[-1][1][4]}, beam {args.beam}", "",
        *decode_table(decode_rows, args.device), "",
        f"## Training: optimizer steps of each config's model on a random batch of B×T frames and U labels, "
        f"median of {args.repeats}", "",
        *train_table(train_configs, train_results, args), "",
    ])
    print(report)
    if args.out:
        from recipe_common.io import write_text_atomic

        write_text_atomic(args.out, report)
    failed = [f"{impl} at {name}" for (name, impl), r in results.items() if "error" in r and impl != "torchaudio"
              or impl == "torchaudio" and has_torchaudio and "error" in r]
    failed += [f"training with {loss} on {display_path(config)}" for (config, loss), r in train_results.items()
               if "error" in r]
    if failed:
        sys.exit(f"tools/benchmarks/transducer.py: {len(failed)} measurements failed ({', '.join(failed)}); see the table")


if __name__ == "__main__":
    main()
