"""vision_egs/red end to end at its CI config (stages 1-3 as 2 jobs through run.pl), re-runs, the
same denoisers at --nj 1, and bad input."""
import pytest
import torch

from recipe_common.checkpoint import load_checkpoint

from .helpers import ROOT, assert_ok, error_lines, run_recipe

RECIPE = "vision_egs/red"
pytestmark = pytest.mark.recipe
PARALLEL_STAGES = ["classifiers", "adversarial", "denoisers"]  # exp/log/<name>.JOB.log, one per job


@pytest.fixture(scope="module")
def red_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("red")
    args = ["--conf", "conf/ci.yaml", "--exp-dir", str(out / "exp"), "--results", str(out / "RESULTS.md"),
            "--nj", "2"]
    proc = run_recipe(RECIPE, args)
    assert_ok(proc)
    return out, args, proc


def job_logs(exp, names):
    return "".join((exp / "log" / name).read_text() for name in names)


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


def test_parallel_stages_ran_as_jobs_with_their_logs(red_run):
    out, _, _ = red_run
    logs = out / "exp" / "log"
    for name in PARALLEL_STAGES:
        for job in (1, 2):
            log = (logs / f"{name}.{job}.log").read_text()
            assert f"--job {job} --num-jobs 2" in log.splitlines()[0] and "# Ended (code 0)" in log
    assert "--job" not in (logs / "evaluate.log").read_text().splitlines()[0]  # one job, whatever --nj
    assert "# Ended (code 0)" in (logs / "evaluate.log").read_text()
    first, second = (logs / "denoisers.1.log").read_text(), (logs / "denoisers.2.log").read_text()
    assert "do: DnCNN" in first and "cdd_red: DnCNN" in first and "ds: DnCNN" not in first  # every nj-th method
    assert "ds: DnCNN" in second and "do: DnCNN" not in second


def test_denoisers_at_nj_1_equal_those_of_2_jobs(red_run, tmp_path):
    out, _, _ = red_run
    exp = tmp_path / "exp"
    exp.mkdir()
    for name in ("classifiers", "adv"):
        (exp / name).symlink_to(out / "exp" / name)
    proc = run_recipe(RECIPE, ["--conf", "conf/ci.yaml", "--exp-dir", str(exp), "--stage", "3", "--stop-stage", "3",
                               "--nj", "1"])
    assert_ok(proc)
    for method in ["do", "ds", "cdd_red"]:
        ours = load_checkpoint(exp / "denoisers" / method / "epoch-1.pt")["model"]
        ref = load_checkpoint(out / "exp" / "denoisers" / method / "epoch-1.pt")["model"]
        assert ours.keys() == ref.keys() and all(torch.equal(ours[k], ref[k]) for k in ref), method


def test_rerun_does_nothing(red_run):
    out, args, _ = red_run
    exp = out / "exp"
    ckpt = exp / "denoisers" / "cdd_red" / "epoch-1.pt"
    before = ckpt.stat().st_mtime
    proc = run_recipe(RECIPE, args + ["--stage", "1", "--stop-stage", "4"])
    assert_ok(proc)
    assert ckpt.stat().st_mtime == before
    assert "training already finished" in job_logs(exp, ["classifiers.1.log", "denoisers.1.log"])
    assert "exists, skipping" in job_logs(exp, ["adversarial.1.log", "adversarial.2.log", "evaluate.log"])


def test_unknown_attack_is_one_line_error_before_any_work(tmp_path):
    conf = tmp_path / "bad.yaml"
    conf.write_text("classifiers: {victims: [resnet20], surrogate: resnet20}\nattacks: {train: [deepfool]}\n")
    proc = run_recipe(RECIPE, ["--conf", str(conf), "--exp-dir", str(tmp_path / "exp")])
    assert proc.returncode != 0
    lines = error_lines(proc)
    assert len(lines) == 1 and "unknown attack 'deepfool'" in lines[0]
    assert not (tmp_path / "exp").exists()  # stage 0 stops it, before the classifiers train


def test_unknown_attack_at_stage_2_fails_in_the_job_log(red_run, tmp_path):
    out, _, _ = red_run
    conf = tmp_path / "bad.yaml"
    conf.write_text("classifiers: {victims: [resnet20], surrogate: resnet20}\nattacks: {train: [deepfool]}\n")
    exp = tmp_path / "exp"
    exp.mkdir()
    (exp / "classifiers").symlink_to(out / "exp" / "classifiers")
    proc = run_recipe(RECIPE, ["--conf", str(conf), "--exp-dir", str(exp), "--stage", "2", "--stop-stage", "2"])
    assert proc.returncode != 0
    # run.pl names the one job's log, as Kaldi's does ('job failed, log is in ...'); it holds the one line
    assert f"run.pl: job failed, log is in {exp}/log/adversarial.1.log" in proc.stderr
    lines = [line for line in (exp / "log" / "adversarial.1.log").read_text().splitlines() if "error" in line.lower()]
    assert len(lines) == 1 and "unknown attack 'deepfool'" in lines[0]
    assert not (exp / "adv" / "train_deepfool_resnet20.pt").exists()


def test_image_folder_with_a_missing_class_is_one_line_error(tmp_path):
    (tmp_path / "images" / "train" / "cat").mkdir(parents=True)
    proc = run_recipe(RECIPE, ["--data-source", "folder", "--corpus-dir", str(tmp_path / "images"),
                               "--exp-dir", str(tmp_path / "exp"), "--stop-stage", "1"])
    assert proc.returncode != 0
    lines = error_lines(proc)
    assert len(lines) == 1 and "missing class folder(s) airplane, automobile" in lines[0]
    assert not (tmp_path / "exp").exists()


@pytest.mark.parametrize("source, message", [
    ([], "/nonexistent: a corpus folder was given, but the data source is 'embedded'"),
    (["--data-source", "folder"], "/nonexistent/train: image folder does not exist"),
    (["--data-source", "cifar10"], "/nonexistent: CIFAR-10 not found there"),
])
def test_a_corpus_dir_that_does_not_exist_is_one_line_error(tmp_path, source, message):
    proc = run_recipe(RECIPE, source + ["--corpus-dir", "/nonexistent", "--exp-dir", str(tmp_path / "exp")])
    assert proc.returncode != 0
    lines = error_lines(proc)
    assert len(lines) == 1 and message in lines[0]
    assert not (tmp_path / "exp").exists()


def test_help_names_the_options_and_data_dir_is_gone():
    proc = run_recipe(RECIPE, ["--help"])
    assert proc.returncode == 0
    for option in ["--corpus-dir", "--nj", "--cmd", "--stage", "--conf"]:
        assert option in proc.stderr
    proc = run_recipe(RECIPE, ["--data-dir", "x"])
    assert proc.returncode != 0 and "invalid option --data-dir" in proc.stderr
    assert 'export train_cmd="utils/run.pl"' in (ROOT / RECIPE / "cmd.sh").read_text()
