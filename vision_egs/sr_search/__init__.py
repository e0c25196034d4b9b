"""Real-time super-resolution by architecture and pruning search (Zhan et al., ICCV'21): SR data with
MATLAB-compatible bicubic degradation, Y-channel PSNR/SSIM as the SR tables report them, and the
FSRCNN, ESPCN and WDSR-B baselines."""
