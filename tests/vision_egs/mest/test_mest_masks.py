"""MEST's schemes, masks and update rules: structure and sparsity after every mutation, zero-started
regrowth, masked weights frozen at zero through SGD with momentum and weight decay, constant
sparsity under SET/RigL updates, and the one-line errors of bad settings."""
import pytest
import torch
import torch.nn.functional as F

from recipe_common.errors import InputError
from vision_egs.mest.masks import MaskSet, keep_count
from vision_egs.mest.methods import Bounds, MaskUpdater, UpdateConfig
from vision_egs.mest.models import build_model, sparse_layer_names, sparsity_profile
from vision_egs.mest.schemes import BLOCK_ROWS, expand_units
from vision_egs.pruning.schemes import parse_scheme, scheme_mask

SCHEMES = ["unstructured", "block", "channel"]
BOUNDS = [Bounds("mest_em", 0.9, [0.92, 0.91, 0.9], [0.9, 0.9, 0.9]),
          Bounds("mest_ems", 0.9, [0.9, 0.9, 0.9], [0.85, 0.875, 0.9])]


def small_model():
    torch.manual_seed(0)
    return build_model("resnet32", 0.25)


def assert_structure(masks: MaskSet, sparsities=None):
    for name, w in masks.weights.items():
        m = masks.masks[name]
        gemm = m.reshape(m.shape[0], -1)
        if masks.scheme == "block":  # every 4x1 block all kept or all removed
            blocks = gemm.reshape(-1, BLOCK_ROWS, gemm.shape[1])
            assert torch.equal(blocks.amin(1), blocks.amax(1))
        if masks.scheme == "channel":  # every input channel all kept or all removed, over all rows
            per_channel = m.transpose(0, 1).reshape(m.shape[1], -1)
            assert torch.equal(per_channel.amin(1), per_channel.amax(1))
        assert torch.all(w.detach()[m == 0] == 0)
        if sparsities is not None:
            expected = keep_count(masks.units(name), sparsities[name])
            assert masks.active(name) == expected, name


def test_profile_leaves_first_conv_shortcuts_and_classifier_dense():
    names = sparse_layer_names(build_model("resnet32", 0.25))
    assert len(names) == 30 and "stem.0" not in names and "fc" not in names
    assert not any("shortcut" in n for n in names)
    assert len(sparse_layer_names(build_model("vgg19", 0.25))) == 15


@pytest.mark.parametrize("scheme", ["unstructured", "channel"])
def test_magnitude_masks_equal_the_pruning_packages(scheme):
    model = small_model()
    masks = MaskSet(model, sparsity_profile(model, 0.75), scheme)
    name, w = next(iter(masks.weights.items()))
    masks.prune(name, keep_count(masks.units(name), 0.75), masks.unit_scores(name, w))
    masks.commit()
    assert torch.equal(masks.masks[name], scheme_mask(w, parse_scheme(scheme), 0.75))


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("method", ["static", "set", "rigl", "mest_em", "mest_ems"])
def test_every_mutation_keeps_structure_and_sparsity(scheme, method):
    model = small_model()
    masks = MaskSet(model, sparsity_profile(model, 0.9), scheme)
    cfg = UpdateConfig(update_every=1, decay_epochs=[2, 4], bounds=BOUNDS)
    updater = MaskUpdater(method, masks, cfg, epochs=6, sparsity=0.9)
    gen = torch.Generator().manual_seed(0)
    updater.initialise(gen)
    assert_structure(masks, masks.profile)
    for epoch0 in range(1, 6):
        if not updater.is_update_epoch(epoch0):
            continue
        grads = {n: torch.randn_like(w) for n, w in masks.weights.items()}
        updater.update(epoch0, grads, gen)
        if updater.bounds is not None:
            grow_to = updater.bounds.grow_to[updater.stage(epoch0)]
            assert_structure(masks, {n: grow_to for n in masks.profile})
        else:
            assert_structure(masks, masks.profile)  # SET and RigL: constant sparsity
    assert_structure(masks, masks.profile)  # every method ends at the target


def test_regrown_weights_start_at_zero_with_zero_momentum():
    model = small_model()
    masks = MaskSet(model, sparsity_profile(model, 0.9), "unstructured")
    cfg = UpdateConfig(update_every=1, decay_epochs=[2, 4], bounds=BOUNDS)
    updater = MaskUpdater("rigl", masks, cfg, epochs=6, sparsity=0.9)
    gen = torch.Generator().manual_seed(0)
    updater.initialise(gen)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    for _ in range(2):
        opt.zero_grad()
        F.cross_entropy(model(torch.rand(8, 3, 32, 32)), torch.randint(0, 10, (8,))).backward()
        masks.mask_gradients()
        opt.step()
        masks.apply()
    before = {n: k.clone() for n, k in masks.state.items()}
    assert updater.update(1, {n: torch.randn_like(w) for n, w in masks.weights.items()}, gen) > 0
    masks.mask_momentum(opt)
    for name, w in masks.weights.items():
        new_units = masks.state[name] & ~before[name]
        assert new_units.any()
        new = expand_units(new_units, w.detach(), "unstructured").bool()
        assert torch.all(w.detach()[new] == 0)
        assert torch.all(opt.state[w]["momentum_buffer"][new] == 0)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_masked_weights_and_gradients_stay_zero_through_sgd(scheme):
    model = small_model()
    masks = MaskSet(model, sparsity_profile(model, 0.9), scheme)
    masks.random_init(torch.Generator().manual_seed(1))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
    for step in range(4):
        opt.zero_grad()
        F.cross_entropy(model(torch.rand(8, 3, 32, 32)), torch.randint(0, 10, (8,))).backward()
        masks.mask_gradients()
        for name, w in masks.weights.items():
            assert torch.all(w.grad[masks.masks[name] == 0] == 0)
        opt.step()  # no masks.apply(): momentum and weight decay alone must not move a masked weight
        for name, w in masks.weights.items():
            assert torch.all(w.detach()[masks.masks[name] == 0] == 0), (scheme, step, name)


def test_block_rows_not_dividing_output_channels_is_one_line_error():
    model = build_model("resnet32", 0.2)  # 6 output channels in layer 1
    with pytest.raises(InputError, match="divisible by 4, not 6"):
        MaskSet(model, sparsity_profile(model, 0.9), "block")


@pytest.mark.parametrize("sparsity", [0.0, 1.0, 1.5])
def test_sparsity_outside_open_interval_is_refused(sparsity):
    model = small_model()
    with pytest.raises(InputError, match=r"outside \(0, 1\)"):
        MaskSet(model, sparsity_profile(model, sparsity), "unstructured")


@pytest.mark.parametrize("prune_to, grow_to, message", [
    ([0.88, 0.9, 0.9], [0.85, 0.9, 0.9], "do not bracket the target"),
    ([0.9, 0.9, 0.9], [0.92, 0.9, 0.9], "do not bracket the target"),
    ([0.92, 0.91, 0.91], [0.9, 0.9, 0.9], "the last stage must be the target"),
    ([0.92, 0.9], [0.9, 0.9], "need 3 stages"),
])
def test_bounds_that_do_not_bracket_the_target_are_refused(prune_to, grow_to, message):
    with pytest.raises(ValueError, match=message):
        UpdateConfig(bounds=[Bounds("mest_em", 0.9, prune_to, grow_to)])


def test_missing_bounds_is_one_line_error():
    model = small_model()
    masks = MaskSet(model, sparsity_profile(model, 0.95), "unstructured")
    with pytest.raises(InputError, match="no bounds for mest_ems with unstructured at sparsity 0.95"):
        MaskUpdater("mest_ems", masks, UpdateConfig(bounds=BOUNDS), 10, 0.95)
