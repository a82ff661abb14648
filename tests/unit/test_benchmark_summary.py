"""The harness's summary: the ratios it reports are of the right medians."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # the benchmarks are not an installed package
    sys.path.insert(0, str(REPO))

from benchmarks.harness import summarize, table  # noqa: E402


def runs(contender, rates, steady=None, first=None):
    return [{"scenario": "S1", "contender": contender, "ok": True, "records_per_s": rate,
             "mb_per_s": rate / 5000, "first_s": first, "peak_rss_mb": 100,
             **({"steady_records_per_s": steady[i]} if steady else {})}
            for i, rate in enumerate(rates)]


def test_steady_ratio_takes_the_limits_steady_rate_where_it_has_one():
    results = (runs("fastconnect", [800, 900, 1000], steady=[1200, 1300, 1400], first=0.3)
               + runs("kafka-connect", [100, 100, 100])
               + runs("limit", [1000, 1000, 1000], steady=[1500, 1600, 1700], first=0.1)
               + runs("librdkafka", [2000, 2000, 2000]))
    ratios = summarize(results, ["S1"])["S1"]["ratios"]
    assert ratios["fastconnect_vs_limit"] == 0.9
    assert ratios["fastconnect_vs_limit_steady"] == 1300 / 1600


def test_steady_ratio_falls_back_to_the_limits_whole_rate_and_shows_in_the_table():
    # The producing loop has no first record: its whole run is all steady.
    results = (runs("fastconnect", [900], steady=[1300], first=0.3)
               + runs("limit", [1000]))
    summary = summarize(results, ["S1"])
    assert summary["S1"]["ratios"]["fastconnect_vs_limit_steady"] == 1.3
    assert summary["S1"]["ratios"]["fastconnect_vs_kafka_connect"] is None
    ratio_row = table(summary).splitlines()[-1]
    assert ratio_row.startswith("| S1 | — | 0.90 | 1.30 |")
