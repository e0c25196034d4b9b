"""Random batches reach the model through the trainer's batch_to_inputs with their labels intact."""
import pytest
import torch

from icefall_ext.data.synthetic import IdTokenizer, random_batch
from icefall_ext.training import batch_to_inputs
from recipe_common.errors import InputError


def test_a_random_batch_gives_the_trainer_its_shapes_and_labels():
    batch = random_batch(3, 20, 4, 8, 10, torch.Generator().manual_seed(0))
    feats, x_lens, y, y_lens = batch_to_inputs(batch, IdTokenizer(10), torch.device("cpu"))
    assert feats.shape == (3, 20, 8) and x_lens.tolist() == [20] * 3 and y_lens.tolist() == [4] * 3
    assert y.min() >= 2 and y.max() < 10  # neither blank nor <unk>
    assert [" ".join(map(str, row)) for row in y.tolist()] == batch["supervisions"]["text"]


def test_an_id_outside_the_vocabulary_is_one_line():
    with pytest.raises(InputError, match="cut a: token id 10 outside 2..9"):
        IdTokenizer(10).encode("3 10", where="cut a")
