"""The wheels in the one import order that never deadlocks: kaldi_hmm_gmm before kaldifst
(kaldilm, last of all, is never imported in-process). Every hybrid module imports them from here."""
import kaldi_hmm_gmm as khg  # noqa: I001  (first, on purpose)
import kaldifst

__all__ = ["khg", "kaldifst"]
