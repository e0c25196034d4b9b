"""Vision half of the toolkit: one sub-package per task beside a shared `common/`."""
