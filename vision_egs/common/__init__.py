"""What every vision recipe shares: data, CIFAR models, the training loop, metrics, ONNX latency, results."""
