import pytest

from icefall_ext.tokens.bpe import BLANK, Tokenizer
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
