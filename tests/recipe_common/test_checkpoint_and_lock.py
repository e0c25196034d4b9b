"""icefall's --epoch/--avg checks and the one-run-per-exp-dir lock."""
import subprocess
import sys

import pytest
import torch

from recipe_common.checkpoint import averaged_paths, resolve_epoch_avg
from recipe_common.errors import InputError
from recipe_common.lock import exclusive_dir


def make_epochs(exp_dir, n):
    exp_dir.mkdir(exist_ok=True)
    for e in range(1, n + 1):
        torch.save({"model": {}}, exp_dir / f"epoch-{e}.pt")


def test_epoch_and_avg_default_to_the_last_epoch_and_the_config(tmp_path):
    make_epochs(tmp_path, 3)
    assert resolve_epoch_avg(tmp_path, None, None, 2) == (3, 2)
    assert resolve_epoch_avg(tmp_path, 1, None, 2) == (1, 1)  # the config's avg, at most the epochs there are
    assert [p.name for p in averaged_paths(tmp_path, 3, 2)] == ["epoch-2.pt", "epoch-3.pt"]


@pytest.mark.parametrize("epoch, avg, message", [
    (None, 5, "--avg 5: must be between 1 and the 3 epochs up to --epoch 3"),
    (2, 3, "--avg 3: must be between 1 and the 2 epochs up to --epoch 2"),
    (7, None, "--epoch 7: no checkpoint"),
])
def test_a_bad_epoch_or_avg_names_the_option_and_value(tmp_path, epoch, avg, message):
    """Today --avg 5 with 3 epochs silently averages 3, and --epoch 7 fails later naming only a file."""
    make_epochs(tmp_path, 3)
    with pytest.raises(InputError, match=message) as e:
        resolve_epoch_avg(tmp_path, epoch, avg, 2)
    assert "\n" not in str(e.value)
    if epoch == 7:
        assert "has epoch-1.pt to epoch-3.pt" in str(e.value)


HOLD = "from recipe_common.lock import exclusive_dir\nimport sys, time\nwith exclusive_dir(sys.argv[1]):\n" \
       "    print('locked', flush=True); time.sleep(30)\n"


def test_a_second_run_into_the_same_exp_dir_is_refused_naming_the_first_pid(tmp_path):
    first = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout.readline().strip() == "locked"
        with pytest.raises(InputError, match=f"in use by another run \\(PID {first.pid}, lock .*\\.train\\.lock\\)"):
            with exclusive_dir(tmp_path):
                pass
    finally:
        first.kill()
        first.wait()
    with exclusive_dir(tmp_path):  # released when its holder died (kill -9 included)
        assert (tmp_path / ".train.lock").read_text().strip() != str(first.pid)
    assert (tmp_path / ".train.lock").read_text() == ""  # released on exit


def test_a_stale_pid_is_taken_over_with_a_warning(tmp_path, caplog):
    (tmp_path / ".train.lock").write_text("999999\n")
    with exclusive_dir(tmp_path):
        pass
    assert "taking over the stale lock of PID 999999" in caplog.text


def test_resuming_compares_the_keys_the_checkpoint_recorded():
    from recipe_common.checkpoint import check_same_config
    saved = {"model": {"d_model": 64, "encoder": {"num_layers": 2}}}
    # a key added to the config after the checkpoint was saved (its default keeps the old behaviour)
    check_same_config("e/epoch-3.pt", saved, {"model": {"d_model": 64, "encoder": {"num_layers": 2}, "ilmt_loss_scale": 0.0}})
    with pytest.raises(InputError, match=r"e/epoch-3.pt: trained with model.encoder.num_layers = 2, the config now has 4"):
        check_same_config("e/epoch-3.pt", saved, {"model": {"d_model": 64, "encoder": {"num_layers": 4}}})
