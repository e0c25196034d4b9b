"""Random training batches in the form of the trainer's dataloader (K2SpeechRecognitionDataset),
so that a training step can be measured at a recipe's shapes without its corpus.

The transcripts are the labels' ids written out ("5 17 3"), read back by `IdTokenizer`: random
labels then reach the model through the trainer's own `batch_to_inputs` and loss functions, as
a corpus's transcripts do through its sentencepiece model.
"""
from typing import Dict, List

import torch

from recipe_common.errors import InputError


class IdTokenizer:
    """The Tokenizer interface the training losses use, over transcripts of token ids; blank is 0
    and <unk> is 1, as in icefall_ext.tokens.bpe."""

    blank_id = 0
    unk_id = 1

    def __init__(self, vocab_size: int):
        if vocab_size < 3:
            raise InputError(f"vocab_size {vocab_size}: needs at least 3 (blank, <unk> and one token)")
        self.vocab_size = vocab_size

    def encode(self, text: str, where: str = "transcript") -> List[int]:
        try:
            ids = [int(t) for t in text.split()]
        except ValueError:
            raise InputError(f"{where}: '{text}' is not a list of token ids")
        bad = [i for i in ids if not self.unk_id < i < self.vocab_size]
        if bad:
            raise InputError(f"{where}: token id {bad[0]} outside {self.unk_id + 1}..{self.vocab_size - 1}")
        return ids


def random_batch(num_utts: int, num_frames: int, num_labels: int, num_features: int, vocab_size: int,
                 generator: torch.Generator) -> Dict:
    """num_utts utterances of num_frames frames and num_labels tokens each (neither blank nor <unk>).
    The features are standard normal: what real fbank frames are after the encoder's global
    mean/variance normalisation (set_feature_stats)."""
    feats = torch.randn(num_utts, num_frames, num_features, generator=generator)
    labels = torch.randint(IdTokenizer.unk_id + 1, vocab_size, (num_utts, num_labels), generator=generator)
    return {
        "inputs": feats,
        "supervisions": {
            "sequence_idx": torch.arange(num_utts),
            "start_frame": torch.zeros(num_utts, dtype=torch.long),
            "num_frames": torch.full((num_utts,), num_frames),
            "text": [" ".join(map(str, row)) for row in labels.tolist()],
        },
    }
