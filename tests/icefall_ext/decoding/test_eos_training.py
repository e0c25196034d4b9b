"""The <eos> latency penalty in training: reference end frames from the cuts' word alignments
(times from the recording's start, as lhotse keeps them, through mixed and padded cuts); the trainer's loss equals the RNN-T
loss with the penalty computed by hand; bad settings are one line; forced alignment gives each
word of a transcript an item, in order, inside the cut."""
import numpy as np
import pytest
import torch
from lhotse import CutSet, Features
from lhotse.features.io import MemoryRawWriter
from lhotse.supervision import AlignmentItem
from lhotse.testing.dummies import dummy_cut, dummy_supervision
from lhotse.utils import fastcopy

from icefall_ext.decoding.alignment import align_cuts, word_alignment, word_spans
from icefall_ext.losses.eos_latency import EosPenaltyConfig, eos_emission_penalty, reference_end_frames
from icefall_ext.losses.rnnt_loss import rnnt_loss
from icefall_ext.models.conformer import ConformerConfig
from icefall_ext.models.transducer import Transducer, TransducerConfig
from icefall_ext.tokens.bpe import Tokenizer, train_bpe_model
from icefall_ext.training import TransducerLoss, batch_to_inputs, make_transducer_loss
from recipe_common.errors import InputError


@pytest.fixture(scope="module")
def tok(tmp_path_factory):
    path = tmp_path_factory.mktemp("lang") / "bpe.model"
    train_bpe_model(["ONE TWO", "THREE FOUR FIVE", "SIX SEVEN", "EIGHT NINE ZERO"] * 20, path, vocab_size=30, eos=True)
    return Tokenizer(path)


def cut_with_features(i, text, num_frames=60, start=0.0, words=None):
    cut = dummy_cut(i, start=start, duration=num_frames / 100,
                    supervisions=[dummy_supervision(i, start=0.0, duration=num_frames / 100, text=text)])
    cut.supervisions[0].recording_id = cut.recording_id
    writer = MemoryRawWriter()
    cut.features = Features(type="fbank", num_frames=num_frames, num_features=8, frame_shift=0.01, sampling_rate=16000,
                            start=start, duration=num_frames / 100, storage_type=writer.name, storage_path="", channels=0,
                            storage_key=writer.write(cut.id, np.random.RandomState(i).randn(num_frames, 8).astype(np.float32)))
    if words is not None:
        cut.supervisions = [fastcopy(cut.supervisions[0], alignment={"word": words})]  # with_alignment shares dicts
    return cut


def test_reference_end_frames_count_from_the_cut_start():
    a = cut_with_features(0, "ONE TWO", start=0.0, words=[AlignmentItem("ONE", 0.10, 0.20), AlignmentItem("TWO", 0.30, 0.10)])
    b = cut_with_features(1, "SIX", start=2.0, words=[AlignmentItem("SIX", 2.05, 0.10)])  # ends 0.15 s into the cut
    empty = cut_with_features(2, "", words=[])
    assert reference_end_frames([a, b, empty], 4).tolist() == [9, 3, 0]  # 0.40 s: frames 0..9 of 40 ms
    noise = cut_with_features(4, "", start=7.0)
    noise.supervisions = []
    mixed = b.mix(noise, snr=10).pad(duration=1.6, direction="left")  # CutMix noise, then 1 s before it (0.6 s cut)
    assert reference_end_frames([mixed], 4).tolist() == [28]  # 1.15 s
    with pytest.raises(InputError, match="cut dummy-mono-cut-0003.*no word alignment.*align_cuts"):
        reference_end_frames([cut_with_features(3, "ONE")], 4)


def toy_model(tok, **cfg):
    torch.manual_seed(0)
    enc = ConformerConfig(num_features=8, d_model=16, num_layers=1, num_heads=2, feedforward_dim=32, dropout=0.0)
    return Transducer(TransducerConfig(encoder=enc, decoder_dim=8, joiner_dim=8, ctc_loss_scale=0.0, **cfg),
                      vocab_size=tok.vocab_size).eval()


def batch_of(cuts):
    from icefall_ext.data.datamodule import eval_dataloader

    return next(iter(eval_dataloader(CutSet.from_cuts(cuts), max_duration=100)))


def test_the_trainer_loss_is_the_rnnt_loss_with_the_penalty_by_hand(tok):
    penalty = EosPenaltyConfig(late_scale=0.7, early_scale=0.3, buffer_frames=1)
    model = toy_model(tok, eos_penalty=penalty)
    cuts = [cut_with_features(0, "ONE TWO", 60, words=[AlignmentItem("ONE", 0.1, 0.1), AlignmentItem("TWO", 0.2, 0.12)]),
            cut_with_features(1, "SIX", 48, start=1.0, words=[AlignmentItem("SIX", 1.05, 0.2)])]
    batch = batch_of(cuts)
    loss_fn = make_transducer_loss(model.cfg, tok, torch.device("cpu"))
    loss, _ = loss_fn(model, batch)
    x, x_lens, y, y_lens = batch_to_inputs(batch, tok, torch.device("cpu"))
    enc, enc_lens = model.forward_encoder(x, x_lens)
    logits = model.joiner(enc.unsqueeze(2), model.forward_decoder(y).unsqueeze(1))
    rows = {c.id: i for i, c in zip(batch["supervisions"]["sequence_idx"].tolist(), batch["supervisions"]["cut"])}
    ref = torch.zeros(2, dtype=torch.long)
    ref[rows[cuts[0].id]], ref[rows[cuts[1].id]] = 7, 6  # ends at 0.32 s and 0.25 s, 40 ms frames
    by_hand = rnnt_loss(logits, y.clamp(min=0), enc_lens, y_lens, reduction="sum",
                        last_label_penalty=eos_emission_penalty(enc.shape[1], ref, penalty))
    plain = TransducerLoss(tok, 0.0, torch.device("cpu"))(model, batch)[0]
    assert loss.item() == pytest.approx(by_hand.item(), rel=1e-6) and loss.item() > plain.item()


def test_bad_penalty_settings_are_one_line(tok, tmp_path):
    with pytest.raises(ValueError, match="needs loss: full"):
        TransducerConfig(loss="pruned", eos_penalty=EosPenaltyConfig(late_scale=1.0))
    train_bpe_model(["ONE TWO", "SIX"] * 20, tmp_path / "plain.model", vocab_size=12)
    with pytest.raises(InputError, match="has no <eos>"):
        TransducerLoss(Tokenizer(tmp_path / "plain.model"), 0.0, torch.device("cpu"), eos_penalty=True)


def test_word_spans_and_alignment_items():
    pieces = ["\u2581ON", "E", "\u2581", "T", "WO", "\u2581SIX"]
    assert word_spans(pieces) == [(0, 1), (2, 4), (5, 5)]
    items = word_alignment(["ONE", "TWO", "SIX"], pieces, [1, 2, 4, 4, 6, 9], 0.04, offset=3.0)
    assert items == [AlignmentItem("ONE", 3.04, 0.08), AlignmentItem("TWO", 3.16, 0.12), AlignmentItem("SIX", 3.36, 0.04)]
    with pytest.raises(ValueError, match="2 words but 3 word starts"):
        word_alignment(["ONE", "TWO"], pieces, [1, 2, 4, 4, 6, 9], 0.04)


def test_forced_alignment_gives_every_word_an_item_in_order_inside_the_cut(tok):
    model = toy_model(tok)
    cuts = CutSet.from_cuts([cut_with_features(0, "THREE FOUR FIVE", 80, start=5.0), cut_with_features(1, "SIX", 40)])
    aligned = {c.id: c for c in align_cuts(model, tok, cuts, max_duration=100)}
    for cut in cuts:
        items = aligned[cut.id].supervisions[0].alignment["word"]
        assert [w.symbol for w in items] == cut.supervisions[0].text.split()
        starts = [w.start - cut.start for w in items]
        assert starts == sorted(starts) and starts[0] >= 0 and items[-1].start + items[-1].duration - cut.start <= cut.duration + 0.04
    assert reference_end_frames(list(aligned.values()), 4).min() >= 0


def test_align_cuts_names_a_missing_manifest(tmp_path):
    import subprocess
    import sys

    cuts = tmp_path / "cuts_train.jsonl.gz"
    proc = subprocess.run([sys.executable, "-m", "icefall_ext.bin.align_cuts", "--config", "c.yaml", "--exp-dir",
                           str(tmp_path), "--bpe-model", "bpe.model", "--cuts", str(cuts), "--out", str(tmp_path / "o.jsonl.gz")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and proc.stderr.strip().splitlines() == [
        f"align_cuts.py: error: {cuts}: cut manifest does not exist"]
    assert not (tmp_path / "o.jsonl.gz").exists()
