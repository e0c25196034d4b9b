"""CDD-RED: reverse engineering of adversarial perturbations with class-discriminative denoising
(Gong et al., ICLR 2022), and its baselines DO (denoise only) and DS (denoised smoothing)."""
