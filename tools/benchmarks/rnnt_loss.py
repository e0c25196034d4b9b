#!/usr/bin/env python3
"""Speed and peak memory of icefall_ext's RNN-T loss beside torchaudio's, on CPU.

    pip install --no-deps torchaudio==2.11.0     # benchmark only; never a toolkit dependency
    python tools/benchmarks/rnnt_loss.py [--batch 16 --frames 100 --labels 20 --vocab 500] [--out results.md]

Each implementation runs in its own process (forward + backward, median of --repeats after
one warm-up), so that peak RSS is its own. The two losses are also checked to agree.
"""
import argparse
import json
import resource
import statistics
import subprocess
import sys
import time


def measure(impl: str, b: int, t: int, u: int, v: int, repeats: int) -> dict:
    import torch

    torch.manual_seed(0)
    logits = torch.randn(b, t, u + 1, v, requires_grad=True)
    targets = torch.randint(1, v, (b, u), dtype=torch.int32)
    t_lens = torch.full((b,), t, dtype=torch.int32)
    u_lens = torch.full((b,), u, dtype=torch.int32)
    if impl == "torchaudio":
        from torchaudio.functional import rnnt_loss
    else:
        from icefall_ext.losses.rnnt_loss import rnnt_loss
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    for i in range(repeats + 1):
        start = time.perf_counter()
        loss = rnnt_loss(logits, targets, t_lens, u_lens, blank=0, reduction="sum")
        loss.backward()
        if i > 0:
            times.append(time.perf_counter() - start)
        logits.grad = None
    peak_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    return {"impl": impl, "loss": loss.item(), "median_s": statistics.median(times), "peak_extra_mb": peak_mb}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--frames", type=int, default=100)
    p.add_argument("--labels", type=int, default=20)
    p.add_argument("--vocab", type=int, default=500)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--impl", default=None, help=argparse.SUPPRESS)  # child process
    p.add_argument("--out", default=None, help="also write the table to this Markdown file")
    a = p.parse_args()
    if a.impl:
        print(json.dumps(measure(a.impl, a.batch, a.frames, a.labels, a.vocab, a.repeats)))
        return
    rows = []
    for impl in ["icefall_ext", "torchaudio"]:
        cmd = [sys.executable, __file__, "--impl", impl] + [f"--{k}={getattr(a, k)}" for k in ("batch", "frames", "labels", "vocab", "repeats")]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"{impl}: failed ({proc.stderr.strip().splitlines()[-1]})", file=sys.stderr)
            continue
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    import os

    import torch

    shape = (
        f"B={a.batch} T={a.frames} U={a.labels} V={a.vocab}, forward+backward, median of {a.repeats}, "
        f"{os.cpu_count()} CPUs, torch {torch.__version__}"
    )
    lines = [f"RNN-T loss on CPU ({shape}); command: `python tools/benchmarks/rnnt_loss.py " + " ".join(sys.argv[1:]) + "`", "",
             "| implementation | loss | time (s) | peak extra RSS (MB) |", "|---|---|---|---|"]
    lines += [f"| {r['impl']} | {r['loss']:.3f} | {r['median_s']:.4f} | {r['peak_extra_mb']:.0f} |" for r in rows]
    if len(rows) == 2:
        rel = abs(rows[0]["loss"] - rows[1]["loss"]) / abs(rows[1]["loss"])
        lines += ["", f"relative loss difference: {rel:.2e}"]
    report = "\n".join(lines)
    print(report)
    if a.out:
        with open(a.out, "w") as f:
            f.write(report + "\n")


if __name__ == "__main__":
    main()
