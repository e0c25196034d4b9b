"""The LSTM LM trains (its loss falls on a toy text, through the recipes' trainer) and checks its
vocabulary when loaded; the bigram's rows are distributions; text with <unk> words and empty text."""
import logging
import math

import pytest
import torch

from icefall_ext.asr_config import LmConfig, TrainConfig
from icefall_ext.lm.bigram import TokenBigram
from icefall_ext.lm.lm_training import lm_run
from icefall_ext.lm.rnn_lm import RnnLmConfig, load_rnn_lm
from icefall_ext.lm.text_data import TextBatches, encode_sentences, read_sentences
from icefall_ext.training import fit
from recipe_common.dist import DistInfo
from recipe_common.errors import InputError

WORDS = "ZERO ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE".split()




def test_lm_training_loss_falls_and_the_checkpoint_checks_the_vocabulary(tmp_path, tokenizer):
    text = [f"{a} {b} {c}" for a, b, c in zip(WORDS, WORDS[1:], WORDS[2:])] * 4  # a fixed order of words
    seqs = encode_sentences(text, tokenizer, "toy")
    cfg = LmConfig(model=RnnLmConfig(embedding_dim=16, hidden_dim=16, num_layers=1), batch_size=8,
                   train=TrainConfig(num_epochs=4, base_lr=1e-2, warmup_steps=1, log_interval=100))
    torch.manual_seed(0)
    run = lm_run(cfg, tokenizer.vocab_size, TextBatches(seqs, seqs[:8], 8, seed=0), tmp_path, torch.device("cpu"),
                 DistInfo(1, 0, 0))
    history = fit(run).history
    assert history[-1]["train_loss"] < history[0]["train_loss"] and history[-1]["valid_loss"] < history[0]["valid_loss"]
    assert load_rnn_lm(tmp_path / "epoch-4.pt", tokenizer.vocab_size).cfg.hidden_dim == 16
    with pytest.raises(InputError, match=f"LM over {tokenizer.vocab_size} tokens, the model.s vocabulary has 500"):
        load_rnn_lm(tmp_path / "epoch-4.pt", 500)


def test_the_bigram_rows_sum_to_one_over_the_vocabulary_and_prefer_seen_pairs(tmp_path):
    bigram = TokenBigram.estimate([[1, 2, 3], [2, 3], [3, 3, 4]], vocab_size=6)
    probs = bigram.log_probs.double().exp()
    assert torch.allclose(probs.sum(1), torch.ones(6, dtype=torch.float64), atol=1e-6) and (probs > 0).all()
    assert bigram.log_prob(torch.tensor(2), torch.tensor(3)) > bigram.log_prob(torch.tensor(2), torch.tensor(4))
    bigram.save(tmp_path / "bigram.pt")
    assert torch.equal(TokenBigram.load(tmp_path / "bigram.pt", 6).log_probs, bigram.log_probs)
    with pytest.raises(InputError, match="bigram over 6 tokens"):
        TokenBigram.load(tmp_path / "bigram.pt", 7)


def test_words_encoded_to_unk_are_counted_and_skipped_and_empty_text_is_one_line(tmp_path, tokenizer, caplog):
    with caplog.at_level(logging.WARNING):
        seqs = encode_sentences(["ONE TWO", "ONE QXJ TWO ÄÖ", "THREE"], tokenizer, "adapt.txt")
    assert len(seqs) == 2
    assert "adapt.txt: 2 words the BPE model encodes to <unk> (first: 'QXJ'); the 1 sentences" in caplog.text
    with pytest.raises(InputError, match="no sentence without <unk>"):
        encode_sentences(["ÄÖ"], tokenizer, "adapt.txt")
    (tmp_path / "empty.txt").write_text("\n  \n")
    with pytest.raises(InputError, match="empty.txt: no text"):
        read_sentences(tmp_path / "empty.txt")


def test_the_back_off_form_gives_interpolated_kneser_ney_computed_by_hand():
    """P(w|h) = max(c(h,w) - D, 0) / c(h) + D * N1+(h .) / c(h) * P_cont(w), with
    P_cont(w) = (max(N1+(. w) - D, 0) + D * |{w: N1+(. w) > 0}| / V) / N1+(. .); P_cont for an unseen h."""
    sentences, v, d = [[1, 2, 3], [2, 3], [3, 3, 4], [4]], 6, 0.75
    pairs = [(a, b) for s in sentences for a, b in zip([0] + s, s + [0])]
    count = {p: pairs.count(p) for p in set(pairs)}
    left = {w: len({a for a, b in count if b == w}) for w in range(v)}
    types = len(count)
    p_cont = [(max(left[w] - d, 0) + d * sum(n > 0 for n in left.values()) / v) / types for w in range(v)]
    bigram = TokenBigram.estimate(sentences, v, d)
    for h in range(v):
        c_h = sum(n for (a, _), n in count.items() if a == h)
        followers = sum(1 for a, _ in count if a == h)
        for w in range(v):
            p = p_cont[w] if c_h == 0 else max(count.get((h, w), 0) - d, 0) / c_h + d * followers / c_h * p_cont[w]
            assert bigram.log_probs[h, w].item() == pytest.approx(math.log(p), abs=1e-5)
            assert bigram.explicit_log_probs[h, w].isfinite() == ((h, w) in count)
