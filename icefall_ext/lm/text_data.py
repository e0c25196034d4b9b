"""Text for the LM and ILMA: sentences from a text file (one a line) or from the supervisions of a
lhotse cut manifest, their BPE ids, and padded batches of them that `training.fit` consumes
(a BatchSource: {"inputs": (N, U) ids padded with -1, "input_lens": (N,)}).
"""
import logging
import random
from pathlib import Path
from typing import Dict, List, Sequence

import torch
from lhotse import CutSet

from icefall_ext.tokens.bpe import UNK, Tokenizer
from recipe_common.errors import InputError


def read_sentences(path: Path) -> List[str]:
    """Non-empty lines of a text file, or the supervision texts of a cut manifest (*.jsonl[.gz])."""
    if not path.is_file():
        raise InputError(f"{path}: text file does not exist")
    if path.name.endswith((".jsonl", ".jsonl.gz")):
        texts = [s.text for cut in CutSet.from_file(path) for s in cut.supervisions if s.text]
    else:
        texts = path.read_text().splitlines()
    sentences = [t.strip() for t in texts if t.strip()]
    if not sentences:
        raise InputError(f"{path}: no text (empty)")
    return sentences


def encode_sentences(sentences: Sequence[str], tokenizer: Tokenizer, where: str) -> List[List[int]]:
    """BPE ids per sentence. A sentence with a word the BPE model encodes to <unk> is skipped (an LM
    that learns <unk> teaches fusion to favour it), with one warning counting them; none left is an error."""
    encoded, bad_words = [], []
    for text in sentences:
        ids = tokenizer.sp.encode(text, out_type=int)
        if tokenizer.unk_id in ids:
            bad_words += [w for w in text.split() if tokenizer.unk_id in tokenizer.sp.encode(w, out_type=int)]
        else:
            encoded.append(ids)
    if bad_words:
        logging.warning(f"{where}: {len(bad_words)} words the BPE model encodes to {UNK} (first: {bad_words[0]!r}); "
                        f"the {len(sentences) - len(encoded)} sentences holding them skipped")
    if not encoded:
        raise InputError(f"{where}: no sentence without {UNK} tokens left")
    return encoded


def pad_tokens(seqs: Sequence[List[int]]) -> Dict[str, torch.Tensor]:
    """A text batch: ids (N, max(1, U)) padded with -1, and their lengths."""
    lens = torch.tensor([len(s) for s in seqs], dtype=torch.long)
    y = torch.full((len(seqs), max(1, int(lens.max()))), -1, dtype=torch.long)
    for i, s in enumerate(seqs):
        y[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return {"inputs": y, "input_lens": lens}


class TextBatches:
    """Sentences in batches of `batch_size`, reshuffled every epoch with the same seed on every rank,
    each rank taking every world_size-th batch (the last incomplete round dropped, so that DDP
    ranks take equal steps). Progress counts sentences."""

    def __init__(self, train: List[List[int]], dev: List[List[int]], batch_size: int, seed: int,
                 world_size: int = 1, rank: int = 0):
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, not {batch_size}")
        self.train, self.batch_size, self.seed = train, batch_size, seed
        self.world_size, self.rank = world_size, rank
        self.dev = [pad_tokens(dev[i : i + batch_size]) for i in range(0, len(dev), batch_size)]

    def train_batches(self, epoch: int, seed: int) -> List[Dict[str, torch.Tensor]]:
        order = list(range(len(self.train)))
        random.Random(self.seed + epoch).shuffle(order)  # not the per-rank `seed`: ranks share one order
        chunks = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        chunks = chunks[: len(chunks) // self.world_size * self.world_size]
        return [pad_tokens([self.train[j] for j in c]) for c in chunks[self.rank :: self.world_size]]

    def dev_batches(self) -> List[Dict[str, torch.Tensor]]:
        return self.dev

    def epoch_amount(self) -> float:
        return float(len(self.train))

    def batch_amount(self, batch: Dict[str, torch.Tensor]) -> float:
        return float(batch["inputs"].shape[0])


def load_text_batches(train_path: Path, dev_path: Path, tokenizer: Tokenizer, batch_size: int, seed: int,
                      world_size: int = 1, rank: int = 0) -> TextBatches:
    """TextBatches of two text files (or cut manifests)."""
    train = encode_sentences(read_sentences(train_path), tokenizer, str(train_path))
    dev = encode_sentences(read_sentences(dev_path), tokenizer, str(dev_path))
    return TextBatches(train, dev, batch_size, seed, world_size, rank)
