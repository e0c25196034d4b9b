"""vision_egs/red end to end at its CI config, re-runs, and bad input."""
import pytest

from .helpers import assert_ok, error_lines, run_recipe

RECIPE = "vision_egs/red"
pytestmark = pytest.mark.recipe


@pytest.fixture(scope="module")
def red_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("red")
    args = ["--conf", "conf/ci.yaml", "--exp-dir", str(out / "exp"), "--results", str(out / "RESULTS.md")]
    proc = run_recipe(RECIPE, args)
    assert_ok(proc)
    return out, args, proc


def test_every_stage_writes_its_outputs(red_run):
    out, _, proc = red_run
    exp = out / "exp"
    for arch in ["resnet20", "vgg11_half"]:
        assert (exp / "classifiers" / arch / "epoch-1.pt").is_file()
        assert (exp / "classifiers" / arch / "history.png").is_file()
    assert sorted(p.name for p in (exp / "adv").glob("*.pt")) == sorted(
        [f"train_{a}_resnet20.pt" for a in ["fgsm", "pgd"]]
        + [f"test_{a}_{v}.pt" for a in ["fgsm", "pgd", "cw"] for v in ["resnet20", "vgg11_half"]])
    for method in ["do", "ds", "cdd_red"]:
        assert (exp / "denoisers" / method / "epoch-1.pt").is_file()
    assert (exp / "eval" / "perturbations.png").stat().st_size > 1000
    results = (out / "RESULTS.md").read_text()
    for title in ["PA_benign", "PA_adv", "PSNR", "L2 error", "IoU", "Adaptive attack", "paper's ordering",
                  "Test pairs evaluated", "Wall time per stage"]:
        assert title in results
    assert "| cdd_red |" in results and "pgd/vgg11_half" in results and "--conf conf/ci.yaml" in results
    assert "# CDD-RED" in proc.stdout


def test_rerun_does_nothing(red_run):
    out, args, _ = red_run
    ckpt = out / "exp" / "denoisers" / "cdd_red" / "epoch-1.pt"
    before = ckpt.stat().st_mtime
    proc = run_recipe(RECIPE, args + ["--stage", "1", "--stop-stage", "4"])
    assert_ok(proc)
    assert ckpt.stat().st_mtime == before
    assert "training already finished" in proc.stderr and "exists, skipping" in proc.stdout + proc.stderr


def test_unknown_attack_is_one_line_error_before_any_work(red_run, tmp_path):
    out, _, _ = red_run
    conf = tmp_path / "bad.yaml"
    conf.write_text("classifiers: {victims: [resnet20], surrogate: resnet20}\nattacks: {train: [deepfool]}\n")
    proc = run_recipe(RECIPE, ["--conf", str(conf), "--exp-dir", str(out / "exp"), "--stage", "2", "--stop-stage", "2"])
    assert proc.returncode != 0
    lines = error_lines(proc)
    assert len(lines) == 1 and "unknown attack 'deepfool'" in lines[0]
    assert not (out / "exp" / "adv" / "train_deepfool_resnet20.pt").exists()


def test_image_folder_with_a_missing_class_is_one_line_error(tmp_path):
    (tmp_path / "images" / "train" / "cat").mkdir(parents=True)
    proc = run_recipe(RECIPE, ["--data-source", "folder", "--data-dir", str(tmp_path / "images"),
                               "--exp-dir", str(tmp_path / "exp"), "--stop-stage", "1"])
    assert proc.returncode != 0
    lines = error_lines(proc)
    assert len(lines) == 1 and "missing class folder(s) airplane, automobile" in lines[0]
    assert not (tmp_path / "exp").exists()
