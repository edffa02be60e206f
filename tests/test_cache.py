import json
from dataclasses import dataclass

import numpy as np
import pytest

from synquant import stats
from synquant.book import cache


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_VAR, str(tmp_path))
    return tmp_path


def test_values_come_back_as_they_went():
    value = {
        "rows": [{"method": "software", "levels": None, "accuracy_pct": 96.38}],
        "test": stats.McNemar(3, 1, 90, 6, 0.625),
        "interval": (95.1, 94.0, float("nan")),
        "array": np.arange(6, dtype=np.float32).reshape(2, 3),
        7: np.float64(0.5),
    }
    back = cache.decode(json.loads(json.dumps(cache.encode(value))))
    assert back["rows"] == value["rows"] and back["test"] == value["test"]
    assert back["interval"][:2] == (95.1, 94.0) and np.isnan(back["interval"][2])
    assert isinstance(back["interval"], tuple) and back[7] == 0.5
    assert back["array"].dtype == np.float32 and np.array_equal(
        back["array"], value["array"]
    )


def test_only_the_packages_own_classes_are_made():
    @dataclass
    class Foreign:
        x: int

    with pytest.raises(TypeError, match="cannot cache"):
        cache.encode(Foreign(1))
    with pytest.raises(ValueError, match="only synquant's own classes"):
        cache.decode({"__dataclass__": "os:system", "fields": {}})


def test_memo_computes_once_per_inputs_and_code(folder, monkeypatch):
    calls = []

    @cache.memo
    def slow(weights, levels=5):
        calls.append(levels)
        return [{"levels": levels, "sum": float(weights["W1"].sum())}]

    w = {"W1": np.ones((2, 2))}
    assert slow(w, levels=5) == slow(w, levels=5) == [{"levels": 5, "sum": 4.0}]
    assert calls == [5]
    slow(w, levels=6)
    slow({"W1": np.zeros((2, 2))}, levels=5)  # other weights: another entry
    assert calls == [5, 6, 5]
    monkeypatch.setattr(cache, "_code_hash", lambda: "other code")
    slow(w, levels=5)  # other code: never the old entry
    assert calls == [5, 6, 5, 5]
    assert len(list(folder.glob("slow-*.json"))) == 4


def test_memo_off_and_unreadable_entries(folder, monkeypatch):
    calls = []

    @cache.memo
    def f(x):
        calls.append(x)
        return x * 2

    assert f(2) == 4
    (entry,) = folder.glob("f-*.json")
    entry.write_text("{not json")
    assert f(2) == 4 and calls == [2, 2]  # recomputed and replaced
    assert json.loads(entry.read_text()) == 4
    monkeypatch.setenv(cache.CACHE_VAR, "off")
    assert f(2) == 4 and calls == [2, 2, 2]
