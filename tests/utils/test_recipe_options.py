"""Every run.sh refuses a bad --stage, --stop-stage or --nj in one line before any work
(utils/check_stages.sh), and its --help lists every option with its default (utils/parse_options.sh)."""
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RECIPES = sorted(str(p.relative_to(ROOT)) for p in [*ROOT.glob("egs/*/*/run.sh"), *ROOT.glob("vision_egs/*/run.sh")])


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=60, **kw)


def test_every_recipe_is_covered():
    assert len(RECIPES) == 12 and "egs/an4/s5/run.sh" in RECIPES and "egs/an4/SURT/run.sh" in RECIPES and "egs/fsdd/ASR/run.sh" in RECIPES and "vision_egs/sr_search/run.sh" in RECIPES


@pytest.mark.parametrize("recipe", RECIPES)
def test_the_declared_last_stage_is_the_last_stage_run_sh_has(recipe):
    text = (ROOT / recipe).read_text()
    declared = re.findall(r"^\. utils/check_stages\.sh (\d+)$", text, re.M)
    stages = [int(n) for n in re.findall(r'"\$stop_stage" -ge (\d+)', text)]
    assert declared == [str(max(stages))]
    # right after the options are parsed, before path.sh or anything that does work
    assert text.index(". utils/parse_options.sh\n. utils/check_stages.sh") < text.index(". ./path.sh")


@pytest.mark.parametrize("recipe", RECIPES)
@pytest.mark.parametrize(
    "args, message",
    [
        (["--stage", "99"], "--stage 99 is beyond the last stage ("),
        (["--stage", "3", "--stop-stage", "1"], "--stop-stage 1 is below --stage 3: no stage would run"),
        (["--stage", "two"], "--stage 'two': expected an integer"),
        (["--stop-stage", "4.5"], "--stop-stage '4.5': expected an integer"),
        (["--nj", "0"], "--nj '0': expected a whole number of jobs, 1 or more"),
        (["--nj", "2x"], "--nj '2x': expected a whole number of jobs, 1 or more"),
    ],
)
def test_bad_stage_or_nj_is_one_line_before_any_work(recipe, args, message):
    proc = run(["bash", str(ROOT / recipe), *args])
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and message in proc.stderr and proc.stderr.startswith(f"{ROOT / recipe}: ")
    assert proc.stdout == ""  # no stage started (each logs a line first)


def option_block(text):
    """(name, literal default or None) of each assignment in the block that parse_options.sh makes flags of."""
    block = text[text.index(". ./cmd.sh\n"):text.index(". utils/parse_options.sh")]
    return [(m.group(1), None if "$" in m.group(2) else m.group(2))
            for m in re.finditer(r"^([a-z_][a-z0-9_]*)=(\S*)", block, re.M)]


@pytest.mark.parametrize("recipe", RECIPES)
def test_help_lists_every_option_with_its_default(recipe):
    text = (ROOT / recipe).read_text()
    proc = run(["bash", str(ROOT / recipe), "--help"])
    assert proc.returncode == 0
    lines = proc.stderr.splitlines()
    assert lines[0] == text.splitlines()[1][2:]  # the header comment comes first
    assert "set -euo pipefail" not in proc.stderr
    options = lines[lines.index("Options (default value):") + 1:]
    names = [line.split()[0] for line in options if line.startswith("  --")]
    block = option_block(text)
    assert names == ["--" + name.replace("_", "-") for name, _ in block]
    for name, default in block:
        if default is not None:
            shown = default if default else '""'
            assert any(line.split()[:2] == ["--" + name.replace("_", "-"), shown] for line in options), name
    if recipe == "egs/fsdd/ASR/run.sh":
        assert "  --nj 2" in proc.stderr and "parallel feature-extraction jobs" in proc.stderr
        assert any(line.split()[:2] == ["--cmd", "utils/run.pl"] for line in options)  # the value from cmd.sh


SCRIPT = """set -euo pipefail
stage=0
stop_stage=100
{nj}
. {root}/utils/parse_options.sh
. {root}/utils/check_stages.sh 4
echo "ran $stage $stop_stage"
"""


@pytest.mark.parametrize(
    "nj, args, out",
    [
        ("nj=2", ["--stage", "-1"], "ran -1 100"),  # negative stages (icefall's stage=-1) and the default 100
        ("nj=2", ["--stage", "4", "--stop-stage", "4"], "ran 4 4"),
        ("", ["--stage", "2"], "ran 2 100"),  # a script without nj
    ],
)
def test_check_stages_lets_good_values_through(tmp_path, nj, args, out):
    script = tmp_path / "s.sh"
    script.write_text(SCRIPT.format(root=ROOT, nj=nj))
    proc = run(["bash", str(script), *args])
    assert proc.returncode == 0 and proc.stdout.strip() == out, proc.stderr
