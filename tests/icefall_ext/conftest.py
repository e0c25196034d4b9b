import random
from pathlib import Path

import pytest
import torch

from icefall_ext.models.conformer import ConformerConfig
from icefall_ext.models.transducer import Transducer, TransducerConfig
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


VOCAB = 12


@pytest.fixture(scope="module")
def toy_transducer():
    """Builds a random VOCAB-token transducer around an encoder config, biased so that it emits
    tokens (never <unk>, which sherpa-onnx drops), and writes the tokens.txt that goes with it;
    ctc=True gives it a CTC head, biased the same way."""

    def build(encoder: ConformerConfig, out: Path, ctc: bool = False) -> Transducer:
        torch.manual_seed(0)
        cfg = TransducerConfig(encoder=encoder, decoder_dim=16, joiner_dim=16, ctc_loss_scale=0.5 if ctc else 0.0)
        model = Transducer(cfg, vocab_size=VOCAB).eval()
        with torch.no_grad():
            for head in [model.joiner.output_linear] + ([model.ctc_output] if ctc else []):
                head.bias[0] -= 0.5
                head.bias[1] = -100.0
                head.weight.mul_(2.0)
        symbols = ["<blk>", "<unk>"] + [f"▁W{i}" for i in range(VOCAB - 2)]
        (out / "tokens.txt").write_text("".join(f"{s} {i}\n" for i, s in enumerate(symbols)))
        return model

    return build
