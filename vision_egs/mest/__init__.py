"""MEST: memory-economic sparse training (Yuan et al., NeurIPS'21) against dense, small-dense, static,
SET and RigL on CIFAR-10, with forgetting-based data efficiency and training-memory accounting."""
