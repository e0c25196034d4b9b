"""egs/fsdd/ASR end to end at its CI config, re-runs, and bad input."""
import re

import pytest

from .helpers import FSDD, assert_ok, error_lines, run_recipe

RECIPE = FSDD
pytestmark = pytest.mark.recipe


def wer_table(results: str):
    rows = {}
    wer_section = results.split("## WER")[1].split("##")[0]
    for line in wer_section.splitlines():
        m = re.match(r"\| (greedy_search|modified_beam_search) \| (.*) \|$", line)
        if m:
            rows[m.group(1)] = [float(x) for x in m.group(2).split(" | ")]
    return rows


def test_every_stage_produces_its_outputs(fsdd_ci_run):
    out, _, proc = fsdd_ci_run
    exp = out / "exp"
    for name in ["encoder.onnx", "decoder.onnx", "joiner.onnx", "tokens.txt"]:
        assert (exp / "onnx" / name).is_file()
    assert (exp / "epoch-2.pt").is_file() and (exp / "loss.png").is_file()
    assert list((exp / "log").glob("log-train-*")) and (out / "data" / "fbank" / "log").is_dir()
    assert list((exp / "greedy_search").glob("errs-test_open-epoch-2-avg-2.txt"))
    results = (out / "RESULTS.md").read_text()
    assert "--test-speakers yweweler" in results  # the command that produced it
    assert "| test_open | 8 | yweweler |" in results  # who was held out, read from the prepared manifests
    table = wer_table(results)
    assert set(table) == {"greedy_search", "modified_beam_search"}
    # test, test_open, their 20 dB quieter copies and test_nopause, PyTorch and sherpa-onnx
    assert all(len(v) == 10 for v in table.values())
    assert "| test_quiet (PyTorch) | test_quiet (sherpa-onnx) |" in results.split("## WER")[1].split("##")[0]
    silence = results.split("## Audio without digits (silence, noise)")[1].split("##")[0]
    assert re.search(r"\| greedy_search \| \d/4 \(\d+ words\) \| \d/4 \(\d+ words\) \|", silence)
    assert "- test_quiet WER within 10 % (relative) of test's, PyTorch, every method: greedy_search" in results
    assert "- test_silence: at most 2 % of the utterances given any output" in results
    assert "RTF" in results
    assert "| decoding method |" in proc.stdout  # the table is printed at the end


def test_sherpa_onnx_agrees_with_pytorch(fsdd_ci_run):
    out, _, _ = fsdd_ci_run
    exp = out / "exp"
    for test in ["test", "test_open"]:
        torch_hyps = (exp / "greedy_search" / f"recogs-{test}-epoch-2-avg-2.txt").read_text()
        sherpa_hyps = (exp / "onnx" / "greedy_search" / f"recogs-{test}.txt").read_text()
        hyp = lambda text: [line for line in text.splitlines() if "\thyp=" in line]  # noqa: E731
        a, b = hyp(torch_hyps), hyp(sherpa_hyps)
        same = sum(x == y for x, y in zip(a, b))
        assert len(a) == len(b) == 8 and same >= 7, (a, b)


def test_rerunning_finished_stages_does_nothing(fsdd_ci_run):
    out, args, _ = fsdd_ci_run
    ckpt = out / "exp" / "epoch-2.pt"
    feats = out / "data" / "fbank" / "cuts_train.jsonl.gz"
    before = (ckpt.stat().st_mtime, feats.stat().st_mtime)
    proc = run_recipe(RECIPE, args + ["--stage", "1", "--stop-stage", "4"])
    assert_ok(proc)
    assert (ckpt.stat().st_mtime, feats.stat().st_mtime) == before
    assert "training already finished" in proc.stderr + proc.stdout


def with_option(args, option, value):
    i = args.index(option)
    return args[:i + 1] + [value] + args[i + 2:]


def test_changed_preparation_inputs_stop_in_one_line(fsdd_ci_run, tmp_path, repo_root):
    """Today a changed --test-speakers or corpus: section was ignored (exit 0) and RESULTS.md named
    test speakers that were never held out; now stage 1 stops naming the change and the folder."""
    out, args, _ = fsdd_ci_run
    manifests = out / "data" / "manifests"
    before = {p.name: p.stat().st_mtime for p in manifests.iterdir()}
    proc = run_recipe(RECIPE, with_option(args, "--test-speakers", "nicolas") + ["--stop-stage", "1"])
    assert proc.returncode == 1
    lines = error_lines(proc) or proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "option --test-speakers was 'yweweler', now 'nicolas'" in lines[0]
    assert f"remove {manifests}" in lines[0]
    conf = tmp_path / "ci.yaml"
    conf.write_text((repo_root / RECIPE / "conf" / "ci.yaml").read_text().replace("test_open: 8", "test_open: 6"))
    proc = run_recipe(RECIPE, with_option(args, "--conf", str(conf)) + ["--stop-stage", "1"])
    assert proc.returncode == 1 and "config section 'corpus' changed" in proc.stderr
    assert {p.name: p.stat().st_mtime for p in manifests.iterdir()} == before


def test_rerunning_a_finished_recipe_changes_no_file(fsdd_ci_run, tmp_path, repo_root):
    """Today stages 5-9 ran again and rewrote RESULTS.md; icefall's decode.py reruns too, so the
    markers follow icefall's .done convention (prepare.sh) for these stages as well."""
    out, args, _ = fsdd_ci_run
    exp = out / "exp"
    watched = [out / "RESULTS.md", *exp.glob("**/recogs-*"), *exp.glob("**/wer-summary-*"), *exp.glob("onnx/*.onnx")]
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in watched}
    proc = run_recipe(RECIPE, args)
    assert_ok(proc)
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in watched} == before
    for marker in [".decode.done", "greedy_search/.score.done", "onnx/.export.done", "onnx/.decode.done",
                   "onnx/greedy_search/.score.done", ".results.done"]:
        assert f"{exp / marker}: done already, skipping" in proc.stdout, marker
    # a deleted RESULTS.md is written again, its marker notwithstanding
    (out / "RESULTS.md").unlink()
    assert_ok(run_recipe(RECIPE, args + ["--stage", "9"]))
    assert "## WER (%)" in (out / "RESULTS.md").read_text()
    # a changed input reruns: another decode.beam, then another --avg
    conf = tmp_path / "ci.yaml"
    conf.write_text((repo_root / RECIPE / "conf" / "ci.yaml").read_text().replace("beam: 2", "beam: 3"))
    proc = run_recipe(RECIPE, with_option(args, "--conf", str(conf)) + ["--stage", "5", "--stop-stage", "5"])
    assert_ok(proc)
    assert f"{exp / '.decode.done'}: config section 'decode' changed, redoing" in proc.stdout
    recogs = exp / "modified_beam_search" / "recogs-test-epoch-2-avg-2.txt"
    assert recogs.stat().st_mtime_ns > before[recogs][0]
    proc = run_recipe(RECIPE, args + ["--stage", "5", "--stop-stage", "5", "--avg", "1"])
    assert_ok(proc)
    assert (exp / "greedy_search" / "recogs-test-epoch-2-avg-1.txt").is_file()
    proc = run_recipe(RECIPE, args + ["--stage", "5", "--stop-stage", "5", "--avg", "3"])
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].endswith("--avg 3: must be between 1 and the 2 epochs up to --epoch 2")


def test_a_second_run_into_the_same_exp_dir_is_refused(fsdd_ci_run, repo_root):
    """Today two runs into one exp dir interleaved; one failed with 'cut manifest does not exist'.
    Both ./run.sh (EXP_DIR/.run.lock) and a direct trainer (EXP_DIR/.train.lock) are refused."""
    import subprocess
    import sys

    out, args, _ = fsdd_ci_run
    exp, fbank = out / "exp", out / "data" / "fbank"
    hold = ("from recipe_common.lock import exclusive_dir\nimport sys, time\n"
            "with exclusive_dir(sys.argv[1], sys.argv[2]):\n    print('locked', flush=True); time.sleep(60)\n")
    for lock in [".run.lock", ".train.lock"]:
        first = subprocess.Popen([sys.executable, "-c", hold, str(exp), lock], stdout=subprocess.PIPE, text=True,
                                 cwd=repo_root)
        try:
            assert first.stdout.readline().strip() == "locked"
            if lock == ".run.lock":
                proc = run_recipe(RECIPE, args + ["--stage", "4", "--stop-stage", "4"])
            else:
                proc = subprocess.run(
                    [venv_python(repo_root), "-m", "icefall_ext.bin.train", "--config", "conf/ci.yaml",
                     "--exp-dir", str(exp), "--train-cuts", str(fbank / "cuts_train.jsonl.gz"),
                     "--dev-cuts", str(fbank / "cuts_dev.jsonl.gz"),
                     "--bpe-model", str(out / "data" / "lang_bpe" / "bpe.model")],
                    cwd=repo_root / RECIPE, capture_output=True, text=True,
                    env=dict(__import__("os").environ, PYTHONPATH=str(repo_root)))  # this checkout's trainer
        finally:
            first.kill()
            first.wait()
        assert proc.returncode == 1
        lines = error_lines(proc)
        assert len(lines) == 1 and f"{exp} is in use by another run (PID {first.pid}, lock {exp / lock})" in lines[0]


def test_missing_corpus_dir_is_one_line_error(tmp_path):
    proc = run_recipe(RECIPE, ["--corpus-dir", str(tmp_path / "nope"), "--data-dir", str(tmp_path / "data"),
                               "--stop-stage", "1"])
    assert proc.returncode != 0
    lines = error_lines(proc)
    assert len(lines) == 1 and "nope: corpus directory does not exist" in lines[0]
    assert not (tmp_path / "data" / "manifests").exists()


def test_unknown_config_key_is_one_line_error(tmp_path):
    conf = tmp_path / "bad.yaml"
    conf.write_text("train:\n  num_epoch: 3\n")
    proc = run_recipe(RECIPE, ["--conf", str(conf), "--data-dir", str(tmp_path / "data"), "--stop-stage", "1"])
    assert proc.returncode != 0
    lines = error_lines(proc)
    assert len(lines) == 1 and "bad.yaml: unknown key 'train.num_epoch'" in lines[0]


def venv_python(repo_root):
    return str(repo_root / ".venv" / "bin" / "python")


def test_interrupted_training_resumes_from_last_epoch(fsdd_ci_run, repo_root):
    import subprocess

    out, _, _ = fsdd_ci_run
    exp, fbank = out / "exp", out / "data" / "fbank"
    proc = subprocess.run(
        [venv_python(repo_root), "-m", "icefall_ext.bin.train", "--config", "conf/ci.yaml", "--exp-dir", str(exp),
         "--train-cuts", str(fbank / "cuts_train.jsonl.gz"), "--dev-cuts", str(fbank / "cuts_dev.jsonl.gz"),
         "--bpe-model", str(out / "data" / "lang_bpe" / "bpe.model"), "--num-epochs", "3"],
        cwd=repo_root / RECIPE, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "resuming from" in proc.stderr and "epoch-2.pt" in proc.stderr
    assert (exp / "epoch-3.pt").is_file()


def test_transcribe_own_audio_and_wav_scp(fsdd_ci_run, repo_root, fsdd_subset):
    import subprocess

    out, _, _ = fsdd_ci_run
    common = [venv_python(repo_root), "-m", "icefall_ext.bin.transcribe", "--config", "conf/ci.yaml",
              "--exp-dir", str(out / "exp"), "--bpe-model", str(out / "data" / "lang_bpe" / "bpe.model"), "--epoch", "2"]
    proc = subprocess.run(common + [str(fsdd_subset / "3_lucas_1.flac")], cwd=repo_root / RECIPE, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith("3_lucas_1")
    scp = out / "data" / "test_open" / "wav.scp"
    proc = subprocess.run(common + ["--wav-scp", str(scp)], cwd=repo_root / RECIPE, capture_output=True, text=True)
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 8



def test_transcribe_goes_on_after_a_bad_file_and_takes_what_users_bring(fsdd_ci_run, repo_root, fsdd_subset, tmp_path):
    """A missing file among good ones is one line on stderr, the rest is transcribed, exit 1; a
    stereo file whose channel 0 is silent warns; a 30 s file is decoded in segments; 50 ms of
    audio (a conv-kernel traceback before) and pure silence give a line, not an error."""
    import subprocess

    import numpy as np
    import soundfile as sf

    out, _, _ = fsdd_ci_run
    digits = sf.read(str(fsdd_subset / "3_lucas_1.flac"))[0]
    sf.write(str(tmp_path / "stereo.wav"), np.stack([np.zeros_like(digits), digits], axis=1), 8000)
    test_wavs = sorted((out / "data" / "corpus" / "test").glob("*.wav"))
    sf.write(str(tmp_path / "long.wav"), np.concatenate([sf.read(str(w))[0] for w in test_wavs * 2]), 16000)
    sf.write(str(tmp_path / "tiny.wav"), 0.01 * np.random.default_rng(0).standard_normal(800), 16000)
    sf.write(str(tmp_path / "silence.wav"), np.zeros(16000), 16000)
    files = [tmp_path / f"{n}.wav" for n in ("stereo", "missing", "long", "tiny", "silence")]
    proc = subprocess.run(
        [venv_python(repo_root), "-m", "icefall_ext.bin.transcribe", "--config", "conf/ci.yaml", "--exp-dir", str(out / "exp"),
         "--bpe-model", str(out / "data" / "lang_bpe" / "bpe.model"), "--epoch", "2", *map(str, files)],
        cwd=repo_root / RECIPE, capture_output=True, text=True,
    )
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert [line.split(" ")[0] for line in proc.stdout.splitlines()] == ["stereo", "long", "tiny", "silence"]
    err = proc.stderr.splitlines()
    assert "Traceback" not in proc.stderr
    assert f"transcribe.py: warning: {tmp_path}/stereo.wav: channel 0 is silent" in err[0]
    assert err[1] == f"transcribe.py: error: {tmp_path}/missing.wav: audio file does not exist"
    assert "long.wav: " in err[2] and "segments cut at pauses" in err[2]
    assert err[-1] == "transcribe.py: error: 1 of 5 files could not be transcribed (named above)"


def test_train_speed_script_adds_its_table_to_results(fsdd_ci_run, repo_root, tmp_path):
    import json
    import subprocess

    out, _, _ = fsdd_ci_run
    results = tmp_path / "RESULTS.md"
    script = repo_root / RECIPE / "local" / "train_speed.sh"
    common = ["--conf", "conf/ci.yaml", "--data-dir", str(out / "data"), "--exp-dir", str(out / "exp"),
              "--results", str(results), "--cpu-steps", "4", "--prepare-opts", "--test-speakers yweweler"]
    proc = subprocess.run(["bash", str(script), *common, "--devices", "cpu"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = json.loads((out / "exp" / "train_speed.json").read_text())["rows"]
    assert [r["device"].split()[0] for r in rows] == ["cpu"] and rows[0]["steps_per_s"] > 0
    assert rows[0]["dev_utterances"] == 8
    table = results.read_text().split("## Training speed: CPU beside CUDA")[1]
    assert "| cpu (" in table and "icefall_ext.bin.train_speed" in table
    if not __import__("torch").cuda.is_available():
        proc = subprocess.run(["bash", str(script), *common], capture_output=True, text=True)
        assert proc.returncode != 0 and "--devices cuda: no CUDA device is available" in proc.stderr
