"""vision_egs.common: data sources and their errors, models and checkpoints, metrics, ONNX."""
import numpy as np
import pytest
import torch
from PIL import Image

from recipe_common.checkpoint import save_checkpoint
from recipe_common.errors import InputError
from vision_egs.common.data import CIFAR10_CLASSES, load_folder, load_images, shard_batches
from vision_egs.common.metrics import l2_distance, psnr, top_fraction_iou
from vision_egs.common.models import ARCHITECTURES, build_classifier, load_classifier
from vision_egs.common.onnx_latency import export_onnx, measure_latency
from vision_egs.common.train import augment_cifar


def write_folder(root, classes=CIFAR10_CLASSES, per_class=2):
    rng = np.random.default_rng(0)
    for c in classes:
        (root / "train" / c).mkdir(parents=True)
        for i in range(per_class):
            Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(root / "train" / c / f"{i:04d}.png")


def test_embedded_subset_is_balanced_and_take_stays_balanced():
    train = load_images("embedded", "train")
    assert train.images.dtype == torch.uint8 and train.images.shape[1:] == (3, 32, 32)
    assert train.labels.bincount().tolist() == [100] * 10
    assert train.take(30, seed=1).labels.bincount().tolist() == [3] * 10
    assert torch.equal(train.take(30, seed=1).images, train.take(30, seed=1).images)


def test_image_folder_loads_and_names_a_missing_class_or_a_corrupt_image(tmp_path):
    write_folder(tmp_path)
    data = load_folder(tmp_path, "train")
    assert len(data) == 20 and data.classes == CIFAR10_CLASSES
    (tmp_path / "train" / "cat" / "0001.png").write_bytes(b"not a png")
    with pytest.raises(InputError, match=r"cat/0001.png: not a readable image"):
        load_folder(tmp_path, "train")
    missing = tmp_path / "m"
    write_folder(missing, classes=[c for c in CIFAR10_CLASSES if c != "frog"])
    with pytest.raises(InputError, match="missing class folder.s. frog"):
        load_folder(missing, "train")
    with pytest.raises(InputError, match="image folder does not exist"):
        load_folder(tmp_path / "nope", "train")


def test_shards_are_disjoint_with_equal_batch_counts():
    a = list(shard_batches(103, 10, True, seed=3, rank=0, world_size=2))
    b = list(shard_batches(103, 10, True, seed=3, rank=1, world_size=2))
    assert len(a) == len(b) == 5
    assert not set(torch.cat(a).tolist()) & set(torch.cat(b).tolist())


@pytest.mark.parametrize("arch", list(ARCHITECTURES))
def test_every_architecture_classifies_cifar_images(arch):
    assert build_classifier(arch).eval()(torch.rand(2, 3, 32, 32)).shape == (2, 10)


def test_checkpoint_of_the_wrong_architecture_is_an_error(tmp_path):
    save_checkpoint(tmp_path / "m.pt", arch="resnet20", model=build_classifier("resnet20").state_dict())
    assert isinstance(load_classifier(tmp_path / "m.pt", "resnet20"), torch.nn.Module)
    with pytest.raises(InputError, match="m.pt: checkpoint of a resnet20, expected a vgg11"):
        load_classifier(tmp_path / "m.pt", "vgg11")
    save_checkpoint(tmp_path / "bad.pt", arch="resnet32", model=build_classifier("resnet20").state_dict())
    with pytest.raises(InputError, match="bad.pt: weights do not fit a resnet32"):
        load_classifier(tmp_path / "bad.pt")


def test_metrics_against_hand_computed_values():
    x, ref = torch.zeros(2, 3, 4, 4), torch.full((2, 3, 4, 4), 0.1)
    assert torch.allclose(psnr(x, ref), torch.tensor([20.0, 20.0]))
    assert torch.allclose(l2_distance(x, ref), torch.full((2,), (48 * 0.01) ** 0.5))
    a = torch.zeros(1, 1, 2, 2)
    b = torch.zeros(1, 1, 2, 2)
    a[0, 0, 0, 0], a[0, 0, 0, 1] = 3, 2  # top-2 of a: (0,0), (0,1)
    b[0, 0, 0, 0], b[0, 0, 1, 1] = 5, 4  # top-2 of b: (0,0), (1,1)
    assert top_fraction_iou(a, b, 0.5).item() == pytest.approx(1 / 3)


def test_cifar_augmentation_crops_within_the_padding_and_flips():
    torch.manual_seed(0)
    x = torch.rand(16, 3, 32, 32)
    y = augment_cifar(x)
    padded = torch.nn.functional.pad(x, (4, 4, 4, 4))
    flipped = 0
    for i in range(16):
        crops = [padded[i, :, r:r + 32, c:c + 32] for r in range(9) for c in range(9)]
        plain = any(torch.equal(y[i], crop) for crop in crops)
        mirrored = any(torch.equal(y[i], crop.flip(-1)) for crop in crops)
        assert plain or mirrored, i
        flipped += mirrored and not plain
    assert 0 < flipped < 16


def test_onnx_export_matches_pytorch_and_latency_is_measured(tmp_path):
    model = build_classifier("resnet20").eval()
    export_onnx(model, torch.rand(1, 3, 32, 32), tmp_path / "m.onnx")
    assert measure_latency(tmp_path / "m.onnx", (1, 3, 32, 32), threads=1, warmup=1, repeats=3) > 0
