"""A full disk while writing is one line naming the file (checkpoints included), nothing half-written
stays, and the temporary files of a killed save are recognised and removed."""
import errno
import os
from pathlib import Path

import pytest
import torch

from recipe_common.checkpoint import load_checkpoint, save_checkpoint
from recipe_common.cli import run_main
from recipe_common.errors import InputError
from recipe_common.io import atomic_path, remove_leftover_temp_files, write_text_atomic

NO_SPACE = r"No space left on device \(nothing written; free space and run again\)$"


class FullDisk:
    """A file on a disk that fills after `room` bytes: writes beyond it fail as write(2) does (ENOSPC)."""

    def __init__(self, f, room: int):
        self.f, self.room = f, room

    def write(self, data) -> int:
        self.room -= len(data)
        if self.room < 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self.f.write(data)

    def __getattr__(self, name):
        return getattr(self.f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()


def temp_files(d: Path):
    return sorted(p.name for p in d.iterdir() if p.name.startswith("."))


def test_a_full_disk_while_saving_a_checkpoint_is_one_line_naming_it(tmp_path, monkeypatch):
    save_checkpoint(tmp_path / "epoch-1.pt", model={"w": torch.zeros(3)})
    monkeypatch.setattr("recipe_common.checkpoint.open", lambda p, mode: FullDisk(open(p, mode), 1000), raising=False)
    with pytest.raises(InputError, match=f"^{tmp_path}/epoch-2.pt: {NO_SPACE}"):
        save_checkpoint(tmp_path / "epoch-2.pt", model={"w": torch.zeros(10000)})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch-1.pt"]  # no temporary file, no half checkpoint
    assert torch.equal(load_checkpoint(tmp_path / "epoch-1.pt")["model"]["w"], torch.zeros(3))


def test_a_full_disk_while_writing_text_names_the_file(tmp_path, monkeypatch):
    (tmp_path / "RESULTS.md").write_text("old\n")

    def no_space(self, text):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_text", no_space)
    with pytest.raises(InputError, match=f"^{tmp_path}/RESULTS.md: {NO_SPACE}"):
        write_text_atomic(tmp_path / "RESULTS.md", "new\n")
    assert temp_files(tmp_path) == [] and (tmp_path / "RESULTS.md").read_bytes() == b"old\n"


def test_entry_points_print_a_full_disk_as_one_line(capsys, monkeypatch):
    monkeypatch.setattr("sys.argv", ["compute_fbank.py"])

    def main():
        raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT), "data/fbank/feats-1.lca")

    with pytest.raises(SystemExit) as e:
        run_main(main)
    assert e.value.code == 1
    assert capsys.readouterr().err == "compute_fbank.py: error: data/fbank/feats-1.lca: Disk quota exceeded\n"


def test_other_os_errors_are_not_hidden(monkeypatch):
    def main():
        raise OSError(errno.EACCES, os.strerror(errno.EACCES))

    with pytest.raises(PermissionError):
        run_main(main)


def test_leftovers_of_a_killed_save_are_removed_and_nothing_else(tmp_path):
    with atomic_path(tmp_path / "epoch-3.pt") as tmp:
        leftover = tmp.name  # the name a save killed at this point leaves behind
        os.link(tmp, tmp_path / "kept")
    os.replace(tmp_path / "kept", tmp_path / leftover)
    keep = ["epoch-3.pt", ".hidden", "notes.tmp", ".epoch-2.pt.tmp"]
    for name in keep[1:]:
        (tmp_path / name).write_text("x")
    (tmp_path / "log").mkdir()
    (tmp_path / "log" / ".loss.tsv.abcd1234.tmp.tsv").write_text("x")
    removed = remove_leftover_temp_files(tmp_path, tmp_path / "log", tmp_path / "absent")
    assert sorted(p.name for p in removed) == sorted([leftover, ".loss.tsv.abcd1234.tmp.tsv"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep + ["log"])
