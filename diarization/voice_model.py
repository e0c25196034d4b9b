"""The particle filter's model of speaker embeddings: PLDA's two-covariance model, with full
covariances estimated without speaker labels.

A speaker's mean embedding is drawn from N(0, B), each of its embeddings from N(mean, W). In the
coordinates where W = I and B is diagonal (simultaneous diagonalisation), the model factorises over
dimensions, so a known speaker's predictive density, which integrates the mean out given the
embeddings the speaker has said so far, is cheap to evaluate for every particle at once.

The statistics embeddings are far from isotropic (MFCC means and deviations are strongly
correlated), and the directions that separate speakers are not those where a speaker's embeddings
vary. Both covariances are estimated from unlabelled recordings, as Kaldi's diarisation recipes
whiten and adapt PLDA on held-out unlabelled data:

- W from pairs of sub-segments that follow each other without overlap inside one speech region
  (almost always one speaker): Cov(e_i - e_j) = 2 W;
- B = T - W, where T is the covariance of all embeddings, each recording centred. B is then the
  spread of speakers' means around their own recording's centre (for K speakers of equal share,
  (K - 1) / K of the population's), which is what a new speaker in a centred recording is drawn
  from.

W is shrunk towards its mean variance (`shrink`), since a few hundred pairs estimate a 40 x 40
covariance loosely.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import List, Sequence, Tuple

import numpy as np

from diarization.frontend import SubSegment
from recipe_common.errors import InputError
from recipe_common.io import atomic_path

MIN_BETWEEN = 1e-3  # floor on B's eigenvalues (in units of W), where T - W is estimated below W


@dataclass
class VoiceModel:
    transform: np.ndarray  # [D, D]: centred embedding -> coordinates with W = I, B diagonal
    between: np.ndarray  # [D]: B's diagonal in those coordinates

    def project(self, embeddings: np.ndarray) -> np.ndarray:
        """One recording's embeddings [N, D], centred on the recording and projected."""
        return (embeddings - embeddings.mean(axis=0)) @ self.transform.T

    def save(self, path: Path) -> None:
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.savez(f, transform=self.transform, between=self.between)


def adjacent_pairs(segs: Sequence[SubSegment]) -> List[Tuple[int, int]]:
    """(i, j): j is the first sub-segment after i that does not overlap it, inside i's speech region
    (a chain of sub-segments each overlapping or touching the previous one); segs in time order."""
    pairs = []
    for i in range(len(segs)):
        j = i + 1
        while j < len(segs) and segs[j].start <= segs[j - 1].end + 1e-6:
            if segs[j].start >= segs[i].end - 1e-6:
                pairs.append((i, j))
                break
            j += 1
    return pairs


def fit_voice_model(recordings: Sequence[Sequence[SubSegment]], shrink: float = 0.1) -> VoiceModel:
    """The two-covariance model of the recordings' embeddings (see the module's docstring);
    `shrink` in [0, 1] (ParticleConfig checks it)."""
    diffs, centred = [], []
    for segs in recordings:
        segs = sorted(segs, key=lambda s: s.start)
        if len(segs) < 2:
            continue
        emb = np.stack([s.embedding for s in segs])
        centred.append(emb - emb.mean(axis=0))
        diffs += [emb[i] - emb[j] for i, j in adjacent_pairs(segs)]
    if len(diffs) < 2:
        raise InputError(f"{len(diffs)} pairs of adjacent sub-segments: too few to estimate the voice model")
    d = np.stack(diffs)
    within = 0.5 * d.T @ d / len(d)
    x = np.concatenate(centred)
    total = x.T @ x / len(x)
    dim = len(within)
    within = (1 - shrink) * within + shrink * np.trace(within) / dim * np.eye(dim)
    w_eig, w_vec = np.linalg.eigh(within)
    whiten = (w_vec / np.sqrt(w_eig)).T  # whiten @ within @ whiten.T = I
    between, rotation = np.linalg.eigh(whiten @ (total - within) @ whiten.T)
    return VoiceModel(rotation.T @ whiten, np.maximum(between, MIN_BETWEEN))


def embedding_log_ratio(e: np.ndarray, emb_sum: np.ndarray, n_heard: np.ndarray, between: np.ndarray) -> np.ndarray:
    """log p(e | a speaker's embeddings so far) - log p(e | a new speaker), all projected by a
    VoiceModel (W = I, B = diag(between)); emb_sum [..., D] and n_heard [...] are each speaker's
    embedding sum and count."""
    v = 1.0 / (1.0 / between + n_heard[..., None])  # posterior variance of the speaker's mean
    mean = v * emb_sum
    return (-0.5 * np.log((1 + v) / (1 + between)) - (e - mean) ** 2 / (2 * (1 + v))
            + e * e / (2 * (1 + between))).sum(axis=-1)
