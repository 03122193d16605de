"""Coordinator key sets: Chromium's all-or-nothing parsing and uniform key choice."""

from __future__ import annotations

import base64
import collections
import json
import random

import pytest

from attribution_reporting.coordinator_keys import (
    KeySetError,
    generate_key_pair,
    key_set_of,
    parse_public_keys,
)

KEY = base64.b64encode(bytes(range(32))).decode()


def _doc(*keys):
    return {"keys": [{"id": i, "key": k} for i, k in keys]}


def test_parses_text_bytes_and_dicts():
    doc = _doc(("a", KEY), ("b", KEY))
    for form in (doc, json.dumps(doc), json.dumps(doc).encode()):
        key_set = parse_public_keys(form)
        assert [k.id for k in key_set.keys] == ["a", "b"]
        assert key_set.keys[0].key == bytes(range(32))


def test_ten_keys_allowed():
    assert len(parse_public_keys(_doc(*[(str(i), KEY) for i in range(10)])).keys) == 10


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("not json", "not JSON"),
        ([], "object"),
        ({}, '"keys"'),
        ({"keys": {}}, '"keys"'),
        ({"keys": []}, "no keys"),
        (_doc(*[(str(i), KEY) for i in range(11)]), "more than 10"),
        (_doc(("a", KEY), ("a", KEY)), "repeated"),
        (_doc(("a", KEY), ("b", "!!!")), r"keys\[1\].key is not valid base64"),
        (_doc(("a", base64.b64encode(b"x" * 31).decode())), "31 bytes"),
        (_doc(("a" * 129, KEY)), "longer than 128"),
        ({"keys": [{"id": 1, "key": KEY}]}, "id must be a string"),
        ({"keys": [{"id": "a"}]}, "key must be a base64 string"),
        ({"keys": ["a"]}, "must be an object"),
    ],
)
def test_whole_set_rejected(doc, message):
    with pytest.raises(KeySetError, match=message):
        parse_public_keys(doc if not isinstance(doc, str) else doc)


def test_choice_is_uniform_and_uses_injected_rng():
    key_set = parse_public_keys(_doc(*[(str(i), KEY) for i in range(4)]))
    counts = collections.Counter(key_set.choose(random.Random(seed)).id for seed in range(4000))
    assert set(counts) == {"0", "1", "2", "3"}
    assert all(800 < n < 1200 for n in counts.values())
    assert key_set.choose(random.Random(7)) == key_set.choose(random.Random(7))


def test_generated_pair_round_trips_through_the_endpoint_format():
    pair = generate_key_pair("local-1")
    served = key_set_of(pair).to_json()
    assert parse_public_keys(json.dumps(served)).keys[0].key == pair.public_key
    assert len(pair.private_key) == 32 and pair.private_key != pair.public_key
    again = generate_key_pair("local-1", pair.private_key)
    assert again.public_key == pair.public_key
    with pytest.raises(KeySetError):
        generate_key_pair("x", b"short")
