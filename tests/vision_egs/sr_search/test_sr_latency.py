"""The latency table: measured entries at a tiny shape, its JSON cache round-tripping without
measuring again, a changed shape (or thread count) measuring again, and the prediction growing with
depth and width on an injected table."""
import json

import pytest
import torch

from recipe_common.errors import InputError
from vision_egs.common.latency_table import LatencyTable
from vision_egs.sr_search.latency import (
    DEPLOYMENT_INPUT,
    OUTSIDE_KEY,
    BlockLatency,
    LatencySetting,
    block_key,
    build_latency_table,
)
from vision_egs.sr_search.supernet import SearchSpace, SubnetChoice

SPACE = SearchSpace(widths=(8, 16), min_depth=1, max_depth=3, features=8)
TINY = LatencySetting(scale=2, height=16, width=16, threads=1)


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


def test_deployment_inputs_give_a_720p_frame():
    assert {s: (h * s, w * s) for s, (h, w) in DEPLOYMENT_INPUT.items()} == {2: (720, 1280), 4: (720, 1280)}


def test_entries_are_measured_with_onnx_runtime_and_predict_sums_them(tmp_path):
    lat = build_latency_table(tmp_path / "t.json", TINY, SPACE, SPACE.widths, warmup=1, repeats=3)
    keys = {OUTSIDE_KEY, block_key(8, 8, 6), block_key(8, 16, 6)}
    assert set(lat.table.entries) == keys and all(ms > 0 for ms in lat.table.entries.values())
    e = lat.table.entries
    assert lat.predict(SubnetChoice((16, 8))) == pytest.approx(e[OUTSIDE_KEY] + e[block_key(8, 16, 6)] +
                                                               e[block_key(8, 8, 6)])
    with pytest.raises(InputError, match="no entry 'block8x12x6'"):
        lat.predict(SubnetChoice((12,)))


def counting():
    calls = []

    def measure(module, shape, threads, warmup, repeats):
        calls.append((type(module).__name__, shape, threads))
        return float(len(calls))

    return measure, calls


def test_the_cache_round_trips_and_a_changed_setting_is_measured_again(tmp_path):
    path = tmp_path / "table.json"
    measure, calls = counting()
    first = build_latency_table(path, TINY, SPACE, [8, 16, 8], warmup=0, repeats=1, measure=measure)
    assert calls == [("WDSRB", (1, 3, 16, 16), 1), ("WDSRBlock", (1, 8, 16, 16), 1), ("WDSRBlock", (1, 8, 16, 16), 1)]
    saved = json.loads(path.read_text())
    assert saved["meta"] == TINY.meta() and saved["meta"]["input"] == "16x16" and "onnxruntime" in saved["meta"]
    again = build_latency_table(path, TINY, SPACE, [8, 16], warmup=0, repeats=1, measure=measure)
    assert len(calls) == 3 and again.table.entries == first.table.entries  # nothing measured twice
    build_latency_table(path, TINY, SPACE, [8, 16, 12], warmup=0, repeats=1, measure=measure)
    assert len(calls) == 4  # only the new width (a pruned block's) is measured

    wider = LatencySetting(scale=2, height=16, width=24, threads=1)
    remeasured = build_latency_table(path, wider, SPACE, [8], warmup=0, repeats=1, measure=measure)
    assert calls[4:] == [("WDSRB", (1, 3, 16, 24), 1), ("WDSRBlock", (1, 8, 16, 24), 1)]
    assert set(remeasured.table.entries) == {OUTSIDE_KEY, block_key(8, 8, 6)}
    assert json.loads(path.read_text())["meta"]["input"] == "24x16"  # the cache now holds the new setting
    threads = LatencySetting(scale=2, height=16, width=24, threads=2)
    assert LatencyTable.load(path, threads.meta()).entries == {}


def test_prediction_grows_with_depth_and_width_on_an_injected_table():
    widths = (8, 16, 24)
    table = LatencyTable({}, {OUTSIDE_KEY: 2.0, **{block_key(8, w, 6): 0.1 * w for w in widths}})
    lat = BlockLatency(table, features=8, linear=6)
    deeper = [lat.predict(SubnetChoice((16,) * d)) for d in range(4)]
    wider = [lat.predict(SubnetChoice((8, w, 8))) for w in widths]
    assert deeper[0] == 2.0 and deeper == sorted(set(deeper)) and wider == sorted(set(wider))
