"""The latency table's cache and the two mapping methods on a problem small enough to brute-force."""
import itertools

import pytest
import torch

from recipe_common.config import load_config
from recipe_common.errors import InputError
from vision_egs.common.data import ImageSet
from vision_egs.common.models import build_classifier
from vision_egs.pruning.config import PruningConfig
from vision_egs.pruning.latency import LatencyTable, LayerSite, entry_key, layer_sites, measure_site, measured_speedup
from vision_egs.pruning.mapping import (
    CandidateSpace,
    MappingProblem,
    build_problem,
    calibrate_budget,
    check_budget,
    evolutionary_search,
    fisher_saliency,
    load_mapping,
    rule_mapping,
    save_mapping,
)
from vision_egs.pruning.masks import LayerChoice, check_mapping, cubic_rate_scale, parse_choice, uniform_mapping
from vision_egs.pruning.schemes import parse_scheme

META = {"torch": "x", "threads": "2", "batch": "8"}
SITE = LayerSite("l", "conv", 16, 16, 3, 1, 8, 8, "producer")


def test_latency_table_round_trips_through_its_cache(tmp_path):
    path = tmp_path / "table.json"
    calls = []

    def fake(site, choice, keep):
        calls.append(entry_key(site, choice, keep))
        return 1.0 + len(calls)

    table = LatencyTable.load(path, META)
    jobs = [(SITE, None, 1.0), (SITE, parse_choice("filter@0.5"), 1.0), (SITE, None, 1.0)]
    assert table.fill(jobs, fake, path) == 2 and len(calls) == 2
    again = LatencyTable.load(path, META)
    assert again.entries == table.entries
    assert again.fill(jobs, fake, path) == 0 and len(calls) == 2  # nothing measured twice
    half = parse_choice("filter@0.5")
    assert again.lookup(SITE, half, 1.0) == table.entries[entry_key(SITE, half, 1.0)]
    assert LatencyTable.load(path, {**META, "threads": "4"}).entries == {}  # another setting: measured again
    with pytest.raises(InputError, match="no entry"):
        again.lookup(SITE, parse_choice("channel@0.5"), 1.0)


def test_measured_entries_are_positive_and_structured_pruning_is_measured_as_such():
    site = LayerSite("l", "conv", 64, 64, 3, 1, 8, 8, "producer")
    dense = measure_site(site, None, 1.0, batch=4, warmup=1, repeats=3)
    assert dense > 0 and measure_site(site, parse_choice("filter@0.875"), 1.0, batch=4, warmup=1, repeats=3) > 0


def toy_problem(latencies, proxies, rest=1.0) -> MappingProblem:
    """Layers without chains; candidate j of layer i has latency latencies[i][j], proxy proxies[i][j]."""
    sites = {f"l{i}": LayerSite(f"l{i}", "conv", 8 + i, 8, 3, 1, 4, 4, "plain") for i in range(len(latencies))}
    table = LatencyTable(META)
    cands = []
    for i, lats in enumerate(latencies):
        layer_cands = [None] + [LayerChoice(parse_scheme("filter"), 0.1 * j) for j in range(1, len(lats))]
        for c, ms in zip(layer_cands, lats):
            table.entries[entry_key(sites[f"l{i}"], c, 1.0)] = ms
        cands.append(layer_cands)
    return MappingProblem(list(sites), cands, proxies, sites, {}, table, rest, [sum(p) for p in proxies])


LAT = [[4.0, 3.0, 2.0, 1.0], [6.0, 4.0, 2.5, 1.5], [3.0, 2.0, 1.5, 0.5]]
PROXY = [[0.0, 0.3, 0.9, 2.0], [0.0, 0.1, 0.4, 1.5], [0.0, 0.5, 0.6, 3.0]]


@pytest.mark.parametrize("budget", [6.0, 8.0, 10.0])
def test_search_meets_the_budget_and_finds_the_best_feasible_mapping(budget):
    problem = toy_problem(LAT, PROXY)
    genome = evolutionary_search(problem, budget, population=12, generations=15, mutation=0.3, seed=0)
    assert problem.latency(genome) <= budget
    feasible = [g for g in itertools.product(range(4), repeat=3) if problem.latency(g) <= budget]
    assert problem.cost(genome) == pytest.approx(min(problem.cost(g) for g in feasible))


def test_rule_mapping_meets_a_feasible_budget():
    problem = toy_problem(LAT, PROXY)
    for budget in (6.0, 8.0):
        assert problem.latency(rule_mapping(problem, budget, sensitive_fraction=0.33, slack=0.1)) <= budget


def test_a_budget_no_mapping_can_meet_is_an_error():
    problem = toy_problem(LAT, PROXY)
    with pytest.raises(InputError, match="latency budget 3.00 ms cannot be met: the fastest mapping .* 4.00 ms"):
        check_budget(problem, 3.0)


def test_calibration_tightens_the_budget_until_the_measured_speedup_is_reached():
    problem = toy_problem(LAT, PROXY)
    dense = problem.latency([0, 0, 0])

    def measure(genome):  # the whole network gains 15 % less than the layer table predicts
        return dense / (1.15 * problem.latency(genome))

    def search(budget):
        return evolutionary_search(problem, budget, population=12, generations=15, mutation=0.3, seed=0)

    once = calibrate_budget(search, measure, problem, dense / 2, target=2.0, rounds=0)
    assert once.budget_ms == dense / 2 and len(once.measured_speedups) == 1 and once.measured_speedups[0] < 2.0
    result = calibrate_budget(search, measure, problem, dense / 2, target=2.0, rounds=3)
    assert result.measured_speedups[-1] >= 2.0 and result.budget_ms < dense / 2
    assert result.measured_speedups == [measure(once.genome)] + result.measured_speedups[1:]
    assert problem.latency(result.genome) <= result.budget_ms
    fastest = problem.latency(problem.fastest())
    unreachable = calibrate_budget(search, measure, problem, dense / 2, target=10.0, rounds=5)
    assert unreachable.budget_ms == fastest and problem.latency(unreachable.genome) == fastest


def test_measured_speedup_leaves_the_dense_model_untouched():
    torch.manual_seed(0)
    model = build_classifier("resnet20").eval()
    before = [p.clone() for p in model.parameters()]
    speedup = measured_speedup(model, uniform_mapping(model, parse_scheme("filter"), 0.5), batch=2, rounds=1, runs=1)
    assert 0 < speedup < float("inf")
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_mapping_of_a_real_model_round_trips(tmp_path):
    torch.manual_seed(0)
    model = build_classifier("resnet20")
    names = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Conv2d)][1:]
    images = ImageSet(torch.randint(0, 256, (16, 3, 32, 32), dtype=torch.uint8), torch.arange(16) % 10,
                      tuple(str(i) for i in range(10)))
    saliency = fisher_saliency(model, images, 8, names)
    sites = layer_sites(model)
    space = CandidateSpace(["filter", "channel", "block"], [8], [1], [0.5])
    table = LatencyTable(META)
    problem_cands = build_problem(model, space, saliency, sites, LatencyTable(META), 0.0).candidates
    for name, site in sites.items():  # a fake table: latency = share of weights kept
        cands = problem_cands[list(sites).index(name) - 1] if name in names else [None]
        for c in cands:
            for keep in (1.0, 0.5):
                table.entries[entry_key(site, c, keep)] = 1.0 - (c.sparsity if c else 0.0)
    problem = build_problem(model, space, saliency, sites, table, 0.0)
    # chain consumers (conv2) are not offered 'channel'; producers are
    assert all(c is None or c.scheme.name != "channel" for c in problem.candidates[names.index("layers.0.conv2")])
    genome = rule_mapping(problem, problem.latency([0] * len(names)) * 0.8, 0.33, 0.1)
    save_mapping(tmp_path / "rule.json", problem, genome, "rule", 1.0)
    mapping = load_mapping(tmp_path / "rule.json")
    assert mapping == problem.mapping(genome) and mapping
    check_mapping(model, mapping)
    with pytest.raises(InputError, match="not a layer of the model"):
        check_mapping(model, {"layers.99.conv1": parse_choice("filter@0.5")})


def test_cubic_schedule_and_choice_parsing():
    assert cubic_rate_scale(1, 4) == pytest.approx(1 - 0.75 ** 3) and cubic_rate_scale(4, 4) == 1.0
    assert cubic_rate_scale(1, 0) == 1.0
    assert str(parse_choice("block:8x144@0.75")) == "block:8x144@0.75"
    with pytest.raises(InputError, match="SCHEME@SPARSITY"):
        parse_choice("filter")
    with pytest.raises(InputError, match="not a number"):
        parse_choice("filter@half")


@pytest.mark.parametrize("value, message", [("speedup: 0", "speedup must be positive, not 0"),
                                            ("calibration_rounds: -1", "calibration_rounds must not be negative")])
def test_bad_mapping_settings_name_the_file_and_section(tmp_path, value, message):
    path = tmp_path / "c.yaml"
    path.write_text(f"mapping: {{{value}}}\n")
    with pytest.raises(InputError, match=f"c.yaml: 'mapping': {message}"):
        load_config(path, PruningConfig)
