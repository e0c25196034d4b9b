"""GMM features as Kaldi's monophone recipes use them: 13 MFCCs (kaldi-native-fbank, Kaldi's
compute-mfcc-feats defaults but no dither, so runs repeat), deltas and delta-deltas (add-deltas,
window 2), mean normalisation per utterance (Kaldi normalises per speaker: one simplification)."""
import kaldi_native_fbank as knf
import numpy as np

NUM_CEPS = 13
DELTA_WINDOW = 2


def compute_mfcc(samples: np.ndarray, sampling_rate: int, num_ceps: int = NUM_CEPS) -> np.ndarray:
    """(num_frames, num_ceps) MFCCs of mono samples in [-1, 1] (scaled to 16-bit range as Kaldi reads wavs)."""
    opts = knf.MfccOptions()
    opts.num_ceps = num_ceps
    opts.frame_opts.samp_freq = sampling_rate
    opts.frame_opts.dither = 0.0
    opts.use_energy = False
    mfcc = knf.OnlineMfcc(opts)
    mfcc.accept_waveform(sampling_rate, (np.asarray(samples, dtype=np.float32) * 32768.0).tolist())
    mfcc.input_finished()
    n = mfcc.num_frames_ready
    if n == 0:
        return np.zeros((0, num_ceps), dtype=np.float32)
    return np.stack([mfcc.get_frame(i) for i in range(n)]).astype(np.float32)


def deltas(feats: np.ndarray, window: int = DELTA_WINDOW) -> np.ndarray:
    """The regression-window derivative add-deltas uses, edge frames repeated."""
    t = len(feats)
    padded = np.concatenate([np.repeat(feats[:1], window, 0), feats, np.repeat(feats[-1:], window, 0)])
    num = sum(n * (padded[window + n: window + n + t] - padded[window - n: window - n + t]) for n in range(1, window + 1))
    return num / (2.0 * sum(n * n for n in range(1, window + 1)))


def add_deltas(feats: np.ndarray, order: int = 2) -> np.ndarray:
    out = [feats]
    for _ in range(order):
        out.append(deltas(out[-1]))
    return np.concatenate(out, axis=1).astype(np.float32)


def gmm_features(samples: np.ndarray, sampling_rate: int) -> np.ndarray:
    """(num_frames, 39): MFCC + deltas + delta-deltas, mean-normalised over the utterance."""
    feats = add_deltas(compute_mfcc(samples, sampling_rate))
    if len(feats):
        feats = feats - feats.mean(axis=0, keepdims=True)
    return feats.astype(np.float32)
