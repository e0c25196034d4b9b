"""SR pairs and patches: modcrop and the LR made from it, single-channel images replicated to RGB,
aligned and reproducible training patches (augmentation included), the embedded subset, and the
one-line errors naming the file (unreadable, too small for the patch or the scale, no images)."""
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from recipe_common.errors import InputError
from vision_egs.sr_search.bicubic import downscale_uint8
from vision_egs.sr_search.data import EMBEDDED, SRPair, image_tensor, load_pair, load_pairs, modcrop, sample_patches


def write_png(path: Path, h: int, w: int, mode: str = "RGB", seed: int = 0) -> Path:
    shape = (h, w, 3) if mode == "RGB" else (h, w)
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8), mode).save(path)
    return path


def test_embedded_subset_is_small_and_documented():
    assert [p.name for p in sorted((EMBEDDED / "Set5").iterdir())] == \
        ["baby.png", "bird.png", "butterfly.png", "head.png", "woman.png"]
    assert len(list((EMBEDDED / "T91").glob("*.png"))) == 4
    assert sum(p.stat().st_size for p in EMBEDDED.rglob("*.png")) < 1.5e6
    assert "research-use-only" in (EMBEDDED / "README.md").read_text()


def test_pair_is_modcropped_and_its_lr_is_the_bicubic_downscale(tmp_path):
    path = write_png(tmp_path / "a.png", 13, 18)
    pair = load_pair(path, 4)
    full = np.asarray(Image.open(path))
    assert pair.hr.shape == (12, 16, 3) and np.array_equal(pair.hr, full[:12, :16])
    assert np.array_equal(pair.lr, downscale_uint8(full[:12, :16], 4)) and pair.scale == 4
    assert modcrop(full, 3).shape == (12, 18, 3)
    assert image_tensor(pair.hr).shape == (3, 12, 16) and image_tensor(pair.hr)[1, 2, 3] == full[2, 3, 1]


def test_a_single_channel_image_is_replicated_to_rgb(tmp_path):
    pair = load_pair(write_png(tmp_path / "bridge.png", 8, 8, mode="L"), 2)
    grey = np.asarray(Image.open(tmp_path / "bridge.png"))
    assert pair.hr.shape == (8, 8, 3) and all(np.array_equal(pair.hr[..., c], grey) for c in range(3))


def test_folder_loads_sorted_and_bad_files_are_named(tmp_path):
    for name in ("b.png", "a.png"):
        write_png(tmp_path / name, 8, 8)
    (tmp_path / "notes.txt").write_text("not an image")
    assert [Path(p.name).name for p in load_pairs(tmp_path, 2)] == ["a.png", "b.png"]
    (tmp_path / "c.png").write_bytes(b"not a png")
    with pytest.raises(InputError, match=r"c.png: not a readable image"):
        load_pairs(tmp_path, 2)
    with pytest.raises(InputError, match="nope: image folder does not exist"):
        load_pairs(tmp_path / "nope", 2)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="empty: no images"):
        load_pairs(tmp_path / "empty", 2)
    with pytest.raises(InputError, match=r"tiny.png: image of 3x3 is too small for x4"):
        load_pair(write_png(tmp_path / "tiny.png", 3, 3), 4)


def block_pair(h: int, w: int, scale: int, seed: int) -> SRPair:
    """An HR image of scale x scale blocks, each the value of one LR pixel: alignment is visible."""
    lr = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    return SRPair(f"img{seed}.png", lr.repeat(scale, 0).repeat(scale, 1), lr)


@pytest.mark.parametrize("augment", [False, True])
def test_patches_are_aligned_and_reproducible(augment):
    pairs = [block_pair(9, 7, 2, 0), block_pair(6, 11, 2, 1)]
    lr, hr = sample_patches(pairs, 20, 5, seed=3, augment=augment)
    assert lr.shape == (20, 3, 5, 5) and hr.shape == (20, 3, 10, 10) and lr.dtype == hr.dtype == torch.uint8
    assert torch.equal(hr[:, :, ::2, ::2], lr) and torch.equal(hr[:, :, 1::2, 1::2], lr)
    again = sample_patches(pairs, 20, 5, seed=3, augment=augment)
    assert torch.equal(again[0], lr) and torch.equal(again[1], hr)
    assert not torch.equal(sample_patches(pairs, 20, 5, seed=4, augment=augment)[0], lr)
    sources = [np.asarray(p.lr) for p in pairs]
    if not augment:  # every LR patch is a crop of one of the LR images
        for patch in lr.permute(0, 2, 3, 1).numpy():
            assert any(_is_crop(patch, image) for image in sources)


def _is_crop(patch: np.ndarray, image: np.ndarray) -> bool:
    p = patch.shape[0]
    return any(np.array_equal(image[y:y + p, x:x + p], patch)
               for y in range(image.shape[0] - p + 1) for x in range(image.shape[1] - p + 1))


def test_an_image_smaller_than_the_patch_is_named():
    pairs = [block_pair(9, 9, 4, 0), block_pair(9, 5, 4, 1)]
    message = r"img1.png: image of 20x36 is smaller than the 24x24 HR patch \(LR patch 6 at x4\)"
    with pytest.raises(InputError, match=message):
        sample_patches(pairs, 4, 6, seed=0)
