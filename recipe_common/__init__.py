"""What every recipe of the toolkit shares, speech and vision alike: typed YAML configs, one-line
input errors and the CLI wrapper, atomic io, checkpoints, logging with progress, seeding, torchrun
helpers, plots and report tables. It imports neither icefall_ext, diarization nor vision_egs."""
