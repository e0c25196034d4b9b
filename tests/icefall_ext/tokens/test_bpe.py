import pytest

from icefall_ext.tokens.bpe import BLANK, Tokenizer, train_bpe_model
from recipe_common.errors import InputError


def test_blank_is_zero_and_round_trip(tokenizer):
    assert tokenizer.sp.id_to_piece(0) == BLANK and tokenizer.blank_id == 0
    text = "SEVEN TWO NINE"
    ids = tokenizer.encode(text)
    assert 0 not in ids and tokenizer.unk_id not in ids
    assert tokenizer.decode(ids) == text
    assert tokenizer.decode([0] + ids + [0]) == text  # blanks never reach the text


def test_tokens_txt_in_sherpa_form(tokenizer, tmp_path):
    path = tmp_path / "tokens.txt"
    tokenizer.write_tokens_txt(path)
    lines = path.read_text().splitlines()
    assert len(lines) == tokenizer.vocab_size
    assert lines[0] == "<blk> 0" and lines[1] == "<unk> 1"
    for i, line in enumerate(lines):
        sym, idx = line.rsplit(" ", 1)
        assert int(idx) == i and sym == tokenizer.sp.id_to_piece(i)


def test_unknown_token_is_an_error_naming_the_source(tokenizer):
    with pytest.raises(InputError, match="cuts.jsonl.gz: cut u1: unknown token"):
        tokenizer.encode("SEVEN TWÖ", where="cuts.jsonl.gz: cut u1")


def test_missing_model_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        Tokenizer(tmp_path / "nope.model")


def test_an_eos_model_appends_eos_refuses_it_in_transcripts_and_decodes_without_it(tmp_path):
    texts = ["ONE TWO", "THREE FOUR FIVE", "SIX SEVEN", "EIGHT NINE ZERO"] * 20
    train_bpe_model(texts, tmp_path / "eos.model", vocab_size=30, eos=True)
    tok = Tokenizer(tmp_path / "eos.model")
    assert tok.eos_id == 2 and tok.sp.id_to_piece(2) == "<eos>"
    ids = tok.encode("ONE TWO")
    assert ids[-1] == tok.eos_id and tok.eos_id not in ids[:-1] and tok.decode(ids) == "ONE TWO"
    with pytest.raises(InputError, match="already contains the end-of-sentence symbol"):
        tok.encode("ONE <eos> TWO", where="train.txt")
    train_bpe_model(texts, tmp_path / "plain.model", vocab_size=30)
    plain = Tokenizer(tmp_path / "plain.model")
    assert plain.eos_id is None and plain.decode(plain.encode("ONE TWO")) == "ONE TWO"
