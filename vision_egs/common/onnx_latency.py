"""ONNX export of a vision model, checked against PyTorch, and its latency under ONNX Runtime
(median of repeated runs, threads pinned): the deployment numbers of the vision recipes."""
from pathlib import Path
from typing import Union

import numpy as np
import torch
from torch import nn

from recipe_common.io import atomic_path
from vision_egs.common.latency_table import median_ms


def export_onnx(model: nn.Module, example: torch.Tensor, path: Union[str, Path], opset: int = 17) -> None:
    """Exports with a dynamic batch axis and checks ONNX Runtime's output against PyTorch's."""
    model = model.eval()
    with atomic_path(path) as tmp:
        torch.onnx.export(model, (example,), str(tmp), input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=opset,
                          dynamo=False)
        with torch.no_grad():
            expected = model(example).numpy()
        got = session(tmp, threads=1).run(None, {"input": example.numpy()})[0]
        if not np.allclose(got, expected, rtol=1e-3, atol=1e-4):
            diff = np.abs(got - expected).max()
            raise RuntimeError(f"{path}: ONNX Runtime output differs from PyTorch (max {diff:.2e})")


def session(path: Union[str, Path], threads: int):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def measure_latency(path: Union[str, Path], shape, threads: int = 1, warmup: int = 5, repeats: int = 50) -> float:
    """Median milliseconds of one run on a random input of `shape`."""
    sess = session(path, threads)
    x = np.random.default_rng(0).random(shape, dtype=np.float32)
    return median_ms(lambda: sess.run(None, {"input": x}), warmup, repeats)
