"""Sentencepiece tokens, with the ids and `tokens.txt` that sherpa-onnx expects.

Blank is id 0 (sherpa-onnx hard-codes it) and <unk> is id 1, as in icefall's
`train_bpe_model.py`. A transcript that needs <unk> is an error at training time:
it would teach the model to emit a symbol that decodes to nothing.

With `eos` the model also holds <eos> (id 2), the end-of-sentence symbol an endpointing model
emits where the utterance ends: `encode` appends it to every transcript, `decode` drops it.
"""
import os
import tempfile
from pathlib import Path
from typing import Iterable, List, Union

import sentencepiece as spm

from recipe_common.errors import InputError
from recipe_common.io import atomic_path

BLANK = "<blk>"
UNK = "<unk>"
EOS = "<eos>"


def recognised_words(text: str) -> List[str]:
    """The words of a recogniser's text (sherpa-onnx's): an <eos> the model emitted is no word."""
    return text.replace(EOS, " ").split()


def train_bpe_model(
    transcripts: Iterable[str], model_path: Union[str, Path], vocab_size: int, model_type: str = "unigram",
    eos: bool = False,
) -> None:
    """Trains a sentencepiece model on `transcripts`; `model_path` appears only when complete."""
    model_path = Path(model_path)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=model_path.parent) as tmp:
        text_file = Path(tmp) / "transcripts.txt"
        text_file.write_text("\n".join(transcripts) + "\n")
        spm.SentencePieceTrainer.train(
            input=str(text_file),
            model_prefix=str(Path(tmp) / "bpe"),
            vocab_size=vocab_size,
            model_type=model_type,
            character_coverage=1.0,
            user_defined_symbols=[BLANK] + ([EOS] if eos else []),
            unk_id=1,
            bos_id=-1,
            eos_id=-1,
            hard_vocab_limit=False,
            minloglevel=2,
        )
        os.replace(Path(tmp) / "bpe.model", model_path)


class Tokenizer:
    """Text <-> token ids with a trained sentencepiece model."""

    def __init__(self, model_path: Union[str, Path]):
        self.model_path = Path(model_path)
        if not self.model_path.is_file():
            raise InputError(f"{self.model_path}: sentencepiece model does not exist")
        self.sp = spm.SentencePieceProcessor(model_file=str(self.model_path))
        if self.sp.id_to_piece(0) != BLANK or self.sp.unk_id() != 1:
            raise InputError(f"{self.model_path}: expected {BLANK} at id 0 and {UNK} at id 1")
        self.blank_id = 0
        self.unk_id = 1
        eos_id = self.sp.piece_to_id(EOS)
        self.eos_id = eos_id if eos_id != self.unk_id else None  # None: a model without <eos>

    @property
    def vocab_size(self) -> int:
        return self.sp.get_piece_size()

    def encode(self, text: str, where: str = "transcript") -> List[int]:
        """Token ids of `text`, then <eos> if the model has it; `where` names the source in the error
        for unknown tokens and for a transcript that holds <eos> already."""
        if self.eos_id is not None and EOS in text:
            raise InputError(f"{where}: the transcript already contains the end-of-sentence symbol {EOS}: '{text}'")
        ids = self.sp.encode(text, out_type=int)
        if self.unk_id in ids:
            pieces = self.sp.encode(text, out_type=str)
            bad = [p for p, i in zip(pieces, ids) if i == self.unk_id]
            raise InputError(f"{where}: unknown token {' '.join(repr(b) for b in bad)} in '{text}'")
        return ids + ([self.eos_id] if self.eos_id is not None else [])

    def decode(self, ids: List[int]) -> str:
        return self.sp.decode([i for i in ids if i not in (self.blank_id, self.unk_id, self.eos_id)])

    def write_tokens_txt(self, path: Union[str, Path]) -> None:
        """`symbol id` per line, the form sherpa-onnx reads."""
        lines = [f"{self.sp.id_to_piece(i)} {i}" for i in range(self.vocab_size)]
        with atomic_path(path) as tmp:
            tmp.write_text("\n".join(lines) + "\n")
