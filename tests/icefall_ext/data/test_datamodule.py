from lhotse import CutSet
from lhotse.dataset import CutMix
from lhotse.testing.dummies import dummy_cut

from icefall_ext.asr_config import TrainConfig
from icefall_ext.data.datamodule import train_dataloader


def test_noise_cuts_are_mixed_from_memory(tmp_path):
    """A lazy noise manifest (what CutSet.from_file gives) is made eager: lazily, lhotse's
    CutMix re-reads it into a 2,000-cut shuffle buffer for every batch."""
    cuts = CutSet.from_cuts(dummy_cut(i) for i in range(4))
    cuts.to_file(tmp_path / "noise.jsonl.gz")
    noise = CutSet.from_file(tmp_path / "noise.jsonl.gz")
    assert noise.is_lazy
    dl = train_dataloader(cuts, TrainConfig(num_buckets=2), noise_cuts=noise, augment=True)
    mixes = [t for t in dl.dataset.cut_transforms if isinstance(t, CutMix)]
    assert len(mixes) == 1 and not mixes[0].cuts.is_lazy


def test_no_noise_before_augmentation_starts():
    cuts = CutSet.from_cuts(dummy_cut(i) for i in range(4))
    dl = train_dataloader(cuts, TrainConfig(num_buckets=2), noise_cuts=cuts, augment=False)
    assert dl.dataset.cut_transforms == [] and dl.dataset.input_transforms == []


def test_the_datamodule_registers_the_extractor_cutmix_mixes_with():
    """Stage 14 (the <eos> penalty fine-tuning) once failed with KeyError 'kaldi-native-fbank' on its
    first noisy batch: only bin/train.py had registered the extractor. A fresh interpreter that
    imports the datamodule alone finds it."""
    import subprocess
    import sys

    code = ("import icefall_ext.data.datamodule; from lhotse.features.base import get_extractor_type; "
            "get_extractor_type('kaldi-native-fbank')")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
