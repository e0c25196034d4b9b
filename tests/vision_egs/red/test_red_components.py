"""vision_egs.red: attacks, paired augmentations, the robust filter, and the three losses."""
import pytest
import torch
from torch import nn

from recipe_common.errors import InputError
from vision_egs.red.attacks import ATTACKS, attack_images
from vision_egs.red.augment import augmented_batch, crop_and_pad, cutmix
from vision_egs.red.config import AttacksConfig
from vision_egs.red.denoiser import DnCNN
from vision_egs.red.losses import denoiser_loss, surrogate_targets


def toy_classifier(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4), nn.Flatten(),
                         nn.Linear(128, 10)).eval()


def sensitive_classifier() -> nn.Module:
    """A linear classifier with large weights: an L_inf step of 8/255 can flip its decisions."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 10))
    model[1].weight.data *= 10
    return model.eval()


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attacks_move_predictions_within_their_budget(name):
    model = sensitive_classifier()
    torch.manual_seed(1)
    images = (torch.rand(24, 3, 32, 32) * 255).to(torch.uint8)
    with torch.no_grad():
        labels = model(images.float() / 255).argmax(-1)  # attack what the model gets "right"
    cfg = AttacksConfig(pgd_steps=5, cw_steps=30, cw_lr=0.05, batch_size=24)
    adv = attack_images(name, model, images, labels, cfg)
    assert adv.dtype == torch.uint8 and adv.shape == images.shape
    delta = adv.float() - images.float()
    if name != "cw":
        assert delta.abs().max() <= round(cfg.eps * 255) + 1  # L_inf budget (+1 for 8-bit rounding)
    with torch.no_grad():
        changed = (model(adv.float() / 255).argmax(-1) != labels).float().mean().item()
    assert changed > 0.3, changed


def test_unknown_attack_is_an_error():
    with pytest.raises(InputError, match="unknown attack 'deepfool'"):
        attack_images("deepfool", toy_classifier(), torch.zeros(1, 3, 8, 8, dtype=torch.uint8), torch.zeros(1).long(),
                      AttacksConfig())


def test_paired_augmentations_transform_clean_and_adversarial_alike():
    torch.manual_seed(0)
    clean = torch.rand(8, 3, 16, 16)
    adv = clean + 0.01
    for aug in (crop_and_pad, cutmix):
        c, a = aug(clean, adv)
        changed = (c != clean) | (a != adv)
        assert changed.any()
        zeroed_or_swapped = (a - c)[changed]
        assert torch.allclose(zeroed_or_swapped[zeroed_or_swapped != 0], torch.tensor(0.01), atol=1e-6)
    c, a, source = augmented_batch(clean, adv, ["crop_and_pad", "cutmix"])
    assert c.shape[0] == 24 and source.tolist() == list(range(8)) * 3
    assert torch.equal(c[:8], clean)


def test_robust_filter_keeps_augmented_samples_whose_prediction_survived():
    f = nn.Linear(2, 2, bias=False)
    f.weight.data = torch.eye(2)
    clean = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])  # row 1, 2: augmented copies of row 0
    adv = torch.tensor([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    _, _, keep = surrogate_targets(f, clean, adv, torch.tensor([0, 0, 0]), robust_filter=True)
    assert keep.tolist() == [1.0, 1.0, 0.0]
    _, _, keep = surrogate_targets(f, clean, adv, torch.tensor([0, 0, 0]), robust_filter=False)
    assert keep.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("method, terms", [("do", ["mae"]), ("ds", ["ce_benign"]),
                                           ("cdd_red", ["mae", "ce_benign", "ce_adv"])])
def test_each_loss_term_decreases_along_its_negative_gradient(method, terms):
    f = toy_classifier(3).requires_grad_(False)
    torch.manual_seed(4)
    clean = torch.rand(16, 3, 16, 16)
    adv = (clean + 0.03 * torch.randn_like(clean)).clamp(0, 1)
    for term in terms:
        denoiser = DnCNN(depth=3, channels=8).eval()
        _, values = denoiser_loss(method, denoiser, f, clean, adv, 0.025, 0.025)
        assert set(values) == set(terms)
        before = values[term]
        grads = torch.autograd.grad(before, list(denoiser.parameters()))
        with torch.no_grad():
            for p, g in zip(denoiser.parameters(), grads):
                p -= 1e-2 * g / (g.norm() + 1e-12)
        after = denoiser_loss(method, denoiser, f, clean, adv, 0.025, 0.025)[1][term]
        assert after.item() < before.item(), (term, before.item(), after.item())
        assert all(p.grad is None for p in f.parameters())


def test_unknown_denoiser_method_is_an_error():
    with pytest.raises(InputError, match="unknown denoiser method 'dnn'"):
        denoiser_loss("dnn", DnCNN(3, 4), toy_classifier(), torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8), 1, 1)
