"""The one JSON reader for input from outside: lone surrogates and deep nesting are refused."""

from __future__ import annotations

import pytest

from apps.core.untrusted_json import (
    MAX_JSON_DEPTH,
    InvalidJSON,
    nesting_exceeds,
    parse_json,
    parse_json_object,
)


def nested(depth: int, opener: str = "[", closer: str = "]") -> str:
    return opener * depth + closer * depth


@pytest.mark.parametrize(
    "text",
    [
        '{"text": "\\ud800x"}',
        '{"text": "x\\udc00"}',
        '{"\\ud800": 1}',
        '{"text": "\\ude00\\ud83d"}',  # halves in the wrong order
    ],
    ids=["high-alone", "low-alone", "in-a-key", "reversed-pair"],
)
def test_a_lone_surrogate_escape_is_refused(text):
    with pytest.raises(InvalidJSON, match="surrogate"):
        parse_json_object(text)


def test_a_surrogate_pair_is_one_character_and_accepted():
    assert parse_json_object('{"text": "\\ud83d\\ude00"}') == {"text": "\U0001f600"}


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5_000, 200_000])
def test_nesting_deeper_than_the_limit_is_refused_without_recursion(depth):
    with pytest.raises(InvalidJSON, match="nested deeper"):
        parse_json('{"a": ' + nested(depth) + "}")


def test_nesting_at_the_limit_is_accepted():
    value = parse_json(nested(MAX_JSON_DEPTH))
    for _ in range(MAX_JSON_DEPTH - 1):
        value = value[0]
    assert value == []


def test_depth_counts_objects_and_arrays_alike_and_ignores_brackets_in_strings():
    mixed = '{"a": [' * 40 + "1" + "]}" * 40  # 80 levels
    assert nesting_exceeds(mixed)
    quoted = '{"a": "' + "[" * 500 + '", "b": "\\"{{{{"}'
    assert not nesting_exceeds(quoted)
    assert parse_json_object(quoted)["a"] == "[" * 500


def test_a_wide_but_shallow_document_is_accepted():
    wide = "[" + ",".join(['{"x": [1, {"y": []}]}'] * 5_000) + "]"
    assert len(parse_json(wide)) == 5_000


@pytest.mark.parametrize(
    "raw",
    [b"\xff\xfe", b"{", b'{"a": NaN}', b'{"a": Infinity}', b"", "[" * 10 + "]" * 9],
    ids=["not-utf8", "truncated", "nan", "infinity", "empty", "unbalanced"],
)
def test_anything_else_that_is_not_json_is_refused(raw):
    with pytest.raises(InvalidJSON):
        parse_json(raw)


def test_an_object_is_required_where_one_is_asked_for():
    with pytest.raises(InvalidJSON, match="object"):
        parse_json_object("[1, 2]")
    assert parse_json_object(b'{"ok": true}') == {"ok": True}


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "x\\\\"' + ', "b": "' + "[" * 100 + '"}',  # an escaped backslash ends the string
        '{"a": "\\"' + "[" * 100 + '\\""}',  # escaped quotes do not end it
        '{"": "", "k": ["", "' + "{" * 100 + '", ""]}',  # empty strings beside brackets
        '{"a": "\\u005b' * 1 + "[" * 100 + '"}',  # an escape, then brackets inside the string
    ],
    ids=["escaped-backslash", "escaped-quotes", "empty-strings", "unicode-escape"],
)
def test_brackets_inside_strings_never_count_as_nesting(text):
    assert not nesting_exceeds(text)
    assert not nesting_exceeds(text.encode())
    parse_json_object(text)


def test_bytes_and_text_give_the_same_answer():
    deep = '{"a": "\\u00e9", "b": ' + nested(MAX_JSON_DEPTH + 1) + "}"
    assert nesting_exceeds(deep)
    assert nesting_exceeds(deep.encode())
