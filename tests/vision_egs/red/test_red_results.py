"""vision_egs/red's RESULTS statistics: paired differences between denoisers (McNemar for PA,
Wilcoxon for IoU) and the paper's ordering with its thresholds from the config's `results` section."""
import json

import numpy as np
import pytest
import torch

from recipe_common.config import load_config
from recipe_common.errors import InputError
from vision_egs.common.results import write_per_image
from vision_egs.common.train import final_correct_path
from vision_egs.red.bin.write_results import build_report, paired_difference
from vision_egs.red.config import RedConfig, ResultsConfig
from vision_egs.red.evaluation import per_image_key, per_image_path


def test_paired_difference_of_pa_is_mcnemar_and_of_iou_wilcoxon():
    do, cdd_red = np.array([1, 0, 0, 0, 0, 0, 1, 1]), np.array([1, 1, 1, 1, 1, 1, 1, 0])  # b = 1, c = 5
    assert paired_difference("pa_adv", do, cdd_red) == "+50.0 (p 0.219)"  # 2 (1 + 6) / 2^6
    iou = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    assert paired_difference("iou", iou, iou + 0.1) == "+10.0 (p 0.0625)"  # 2 / 2^5


@pytest.mark.parametrize("gain, psnr, holds", [(10.0, -2.0, True), (9.9, 0.0, False), (15.0, -2.5, False)])
def test_paper_ordering_thresholds(gain, psnr, holds):
    assert ResultsConfig().holds(gain, psnr) is holds


def test_results_section_loads_and_refuses_an_unknown_key(repo_root, tmp_path):
    assert load_config(repo_root / "vision_egs" / "red" / "conf" / "full.yaml", RedConfig).results == ResultsConfig()
    conf = tmp_path / "bad.yaml"
    conf.write_text("results: {min_pa_adv_gain: ten}\n")
    with pytest.raises(InputError) as e:
        load_config(conf, RedConfig)
    assert str(e.value) == f"{conf}: 'results.min_pa_adv_gain' should be a number, not 'ten'"


def test_report_prints_intervals_paired_tests_and_the_ordering(tmp_path):
    exp = tmp_path / "exp"
    cfg = RedConfig()
    cfg.classifiers.victims, cfg.classifiers.surrogate = ["resnet20"], "resnet20"
    hist = exp / "classifiers" / "resnet20" / "log" / "history.tsv"
    hist.parent.mkdir(parents=True)
    hist.write_text("epoch\tval_acc\tepoch_s\n1\t0.5\t60\n")
    write_per_image(final_correct_path(exp / "classifiers" / "resnet20"), {"resnet20": torch.tensor([1, 0] * 5) > 0})
    rows, per_image = [], {}
    right = {"none": [0] * 10, "do": [1] * 2 + [0] * 8, "ds": [1] * 5 + [0] * 5, "cdd_red": [1] * 9 + [0]}
    for method, pa in right.items():
        rows.append({"method": method, "attack": "pgd", "victim": "resnet20", "pairs": 10, "pa_benign": 10 * sum(pa),
                     "pa_adv": 10 * sum(pa), "psnr": 30.0, "l2_error": 0.1, "iou": 20.0})
        for key in ("pa_benign", "pa_adv"):
            per_image[per_image_key(method, "pgd", "resnet20", key)] = torch.tensor(pa) > 0
        per_image[per_image_key(method, "pgd", "resnet20", "iou")] = torch.full((4,), 0.2)
        if method != "none":
            per_image[per_image_key(method, "adaptive", "resnet20", "pa_benign")] = torch.tensor(pa) > 0
    (exp / "eval").mkdir()
    (exp / "eval" / "metrics.json").write_text(json.dumps(
        {"rows": rows, "adaptive": [{"method": m, "victim": "resnet20", "pa_benign": 0.0} for m in right if m != "none"]}))
    write_per_image(per_image_path(exp), per_image)
    report = build_report(cfg, exp, "./run.sh")
    assert "| resnet20 | 1 | 50.0 [23.7, 76.3] | 1.0 |" in report
    assert "| cdd_red | 90.0 [59.6, 98.2] |" in report  # PA tables and the adaptive one
    assert "| cdd_red − do | +70.0 (p 0.0156) |" in report  # b = 0, c = 7: 2 / 2^7
    assert "| cdd_red − ds | +0.0 (p 1) |" in report.split("### IoU")[1]  # equal IoU
    assert ("CDD-RED's PA_adv − DO's = +70.0 points (McNemar p 0.0156; target ≥ +10); CDD-RED's PSNR − DO's = "
            "+0.00 dB (target ≥ −2). The ordering holds here.") in report
