"""WICG vectors for filter matching, contribution creation and the privacy math."""

from __future__ import annotations

import math
from typing import Any

import pytest

from attribution_reporting import privacy
from attribution_reporting.aggregatable_contributions import create_aggregatable_contributions
from attribution_reporting.filters import matches
from tests.library.wicg_helpers import decode, filter_config, filter_pair, params


@pytest.mark.parametrize("case", params("filters"))
def test_filter_match(case: dict[str, Any]) -> None:
    data = decode(case["source_filter_data"])
    configs = [filter_config(c) for c in decode(case["filters"])]
    args = (data, case["source_type"], case["source_time"], case["trigger_time"])
    assert matches(*args, configs, []) is case["expected_positive"]
    assert matches(*args, [], configs) is case["expected_negative"]


def _trigger_data(entry: dict[str, Any]) -> dict[str, Any]:
    positive, negative = filter_pair(entry)
    return {
        "key_piece": entry["keyPiece"],
        "source_keys": entry["sourceKeys"],
        "filters": positive,
        "not_filters": negative,
    }


def _values(entry: dict[str, Any]) -> dict[str, Any]:
    positive, negative = filter_pair(entry)
    values = {
        k: {"value": v["value"], "filtering_id": str(v["filteringId"])} for k, v in entry["values"].items()
    }
    return {"values": values, "filters": positive, "not_filters": negative}


@pytest.mark.parametrize("case", params("aggregatable-contributions"))
def test_aggregatable_contributions(case: dict[str, Any]) -> None:
    a = decode(case["args"])
    got = create_aggregatable_contributions(
        a["aggregationKeys"],
        a["sourceFilterData"],
        a["sourceType"],
        a["sourceTime"],
        a["triggerTime"],
        [_trigger_data(d) for d in a["aggregatableTriggerData"]],
        [_values(c) for c in a["aggregatableValuesConfigurations"]],
    )
    expected = [
        {"key": c["key"], "value": c["value"], "filtering_id": c["filteringId"]}
        for c in decode(case["expected"])
    ]
    assert got == expected


def _close(got: float, expected: float) -> bool:
    return got == expected or math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("case", params("privacy"))
def test_privacy(case: dict[str, Any]) -> None:
    a = decode(case["args"])
    expected = decode(case["expected"])
    fn = case["function"]
    if fn == "flipProbabilityDp":
        assert _close(privacy.flip_probability(a["numStates"], a["epsilon"]), expected)
    elif fn == "maxInformationGain":
        assert _close(privacy.max_information_gain(a["numStates"], a["epsilon"]), expected)
    elif fn == "epsilonToBoundInfoGainAndDp":
        got = privacy.epsilon_to_bound_info_gain_and_dp(a["numStates"], a["infoGainUpper"], a["epsilonUpper"])
        assert _close(got, expected)
    elif fn == "binaryEntropy":
        assert _close(privacy.binary_entropy(a["x"]), expected)
    elif fn == "Config.computeConfigData":
        receiver = decode(case["receiver"])
        configs = [
            privacy.PerTriggerDataConfig(c["numWindows"], c["numSummaryBuckets"])
            for c in receiver["perTriggerDataConfigs"]
        ]
        scopes = receiver["attributionScopes"]
        if scopes is not None:
            scopes = {"limit": scopes["limit"], "max_event_states": scopes["maxEventStates"]}
        got = privacy.compute_config_data(
            receiver["maxEventLevelReports"], configs, a["epsilon"], a["infoGainMax"], scopes
        )
        assert got["num_states"] == expected["numStates"]
        assert _close(got["info_gain"], expected["infoGain"])
        assert _close(got["flip_prob"], expected["flipProb"])
        if "attributionScopesInfoGain" in expected:
            assert _close(got["attribution_scopes_info_gain"], expected["attributionScopesInfoGain"])
        else:
            assert "attribution_scopes_info_gain" not in got
    else:
        pytest.fail(f"no implementation mapped for {fn}")
