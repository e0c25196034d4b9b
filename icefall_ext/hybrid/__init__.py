"""Kaldi-style hybrid HMM-GMM systems from the PyPI wheels (kaldi-hmm-gmm, kaldifst; see
../shared/notes/hybrid.md for the pinned versions and import order).

Import order matters: every module here imports `kaldi_hmm_gmm` before `kaldifst` (through
`icefall_ext.hybrid.kaldi`), and nothing here imports kaldilm (it runs in a subprocess)."""
