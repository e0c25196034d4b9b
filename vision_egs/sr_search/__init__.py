"""Real-time super-resolution by architecture and pruning search (Zhan et al., ICCV'21): SR data with
MATLAB-compatible bicubic degradation, Y-channel PSNR/SSIM as the SR tables report them, and the
FSRCNN, ESPCN and WDSR-B baselines; the weight-sharing WDSR-B supernet (supernet.py), its ONNX Runtime
per-block latency table (latency.py), the architecture and pruning-ratio searches (search.py) and
structured channel pruning (channel_prune.py)."""
