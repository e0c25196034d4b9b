import random

import pytest

from icefall_ext.tokens.bpe import Tokenizer, train_bpe_model

WORDS = "ZERO ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE".split()


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    """A 32-piece sentencepiece model of random digit strings, shared by the token and LM tests."""
    rng = random.Random(0)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7))) for _ in range(300)]
    path = tmp_path_factory.mktemp("lang") / "bpe.model"
    train_bpe_model(texts, path, vocab_size=32)
    return Tokenizer(path)
