"""runtime._codec: lossless JSON for run values (round trips, tags, escapes, errors, limits)."""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum, IntEnum
from typing import Any
from zoneinfo import ZoneInfo

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from runtime._codec import MAX_DEPTH, decode, dumps, encode, loads

# ---------------------------------------------------------------- exact comparison


def same(a: Any, b: Any) -> bool:
    """``b`` is an exact copy of ``a`` as the codec promises (tuples become lists).

    Iterative, so that values nested ``MAX_DEPTH`` deep can be compared."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if isinstance(x, list | tuple):
            if type(y) is not list or len(x) != len(y):
                return False
            stack.extend(zip(x, y, strict=True))
        elif isinstance(x, dict):
            if type(y) is not dict or list(x) != list(y):
                return False
            stack.extend((x[k], y[k]) for k in x)
        elif not same_leaf(x, y):
            return False
    return True


def same_leaf(a: Any, b: Any) -> bool:
    if isinstance(a, datetime):
        if not isinstance(b, pendulum.DateTime) or (a.tzinfo is None) != (b.tzinfo is None):
            return False
        if a.replace(tzinfo=None) != b.replace(tzinfo=None):  # same wall time
            return False
        if a.utcoffset() != b.utcoffset():
            return False
        # Same instant. (``a == b`` is not enough: by PEP 495 an ambiguous wall time never
        # equals a datetime of another tzinfo object, e.g. a ZoneInfo and a pendulum zone.)
        return zone_name(a) == zone_name(b) and (a.tzinfo is None or a - b == timedelta(0))
    if isinstance(a, date):
        return isinstance(b, pendulum.Date) and not isinstance(b, datetime) and a == b
    if isinstance(a, Decimal):
        return type(b) is Decimal and str(a) == str(b)
    if isinstance(a, float):
        return type(b) is float and (a == b or (math.isnan(a) and math.isnan(b))) and (
            math.copysign(1, a) == math.copysign(1, b) or math.isnan(a))
    if isinstance(a, bool) or a is None:
        return a is b
    if isinstance(a, int | str):
        return type(b) is type(a) and a == b
    raise AssertionError(f"unexpected {type(a)}")


def zone_name(value: datetime) -> str | None:
    zone = value.tzinfo
    if zone is None:
        return None
    if zone is UTC:
        return "UTC"
    key = getattr(zone, "key", None)
    return key if isinstance(key, str) else None


def roundtrip(value: Any) -> Any:
    text = dumps(value)
    assert text.isascii()
    assert json.loads(text) == encode(value)  # dumps is json of encode, strict JSON
    back = loads(text)
    assert same(value, back), (value, back)
    assert same(value, decode(encode(value)))
    return back


# ---------------------------------------------------------------- strategies

zones = st.sampled_from(["Asia/Shanghai", "Europe/London", "Europe/Berlin", "America/New_York",
                         "Australia/Lord_Howe", "Asia/Kathmandu", "UTC", "America/St_Johns"])

pendulum_datetimes = st.builds(
    lambda dt, tz: pendulum.instance(dt).in_timezone(tz),
    st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1),
                 timezones=st.just(UTC)),
    zones)

stdlib_datetimes = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                                timezones=st.one_of(
                                    st.timezones(),
                                    st.builds(lambda m: timezone(timedelta(minutes=m)),
                                              st.integers(-23 * 60, 23 * 60)),
                                    st.builds(pendulum.FixedTimezone,
                                              st.integers(-86399, 86399)),
                                    st.just(UTC)),
                                allow_imaginary=False)

scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(), st.integers(min_value=-(1 << 3000), max_value=1 << 3000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(places=2, allow_nan=False, allow_infinity=False),
    pendulum_datetimes, stdlib_datetimes, st.dates(),
    st.datetimes(),  # naive
)

keys = st.one_of(st.text(max_size=6), st.sampled_from(["$date", "$dec", "$obj", "$", "$x",
                                                       "$float", "$int", "$day", "a"]))

values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(keys, children, max_size=5),
        st.builds(lambda k, v: {k: v}, keys, children),  # single-key dicts, often $-keyed
    ),
    max_leaves=30)


@given(values)
def test_roundtrip_any_value(value: Any) -> None:
    roundtrip(value)


@given(st.one_of(stdlib_datetimes, pendulum_datetimes))
def test_datetimes_keep_instant_offset_and_zone(value: datetime) -> None:
    back = roundtrip(value)
    assert isinstance(back, pendulum.DateTime)
    assert datetime.__sub__(back, value) == timedelta(0)
    assert back.utcoffset() == value.utcoffset()
    in_fold = value.utcoffset() != value.replace(fold=1 - value.fold).utcoffset()
    if type(value.tzinfo) is not ZoneInfo or not in_fold:
        assert back == value  # PEP 495: a ZoneInfo time in a fold equals no other zone's


# ---------------------------------------------------------------- specific cases


def test_plain_json_is_unchanged() -> None:
    value = {"a": [1, 2.5, "x", None, True, False], "b": {"c": {}}, "d": [], "$a": 1, "$b": 2}
    assert encode(value) == value
    assert dumps(value) == json.dumps(value, separators=(",", ":"))


def test_compact_ascii_text() -> None:
    assert dumps({"名": "上海"}) == '{"\\u540d":"\\u4e0a\\u6d77"}'
    assert loads(dumps({"名": "上海"})) == {"名": "上海"}


def test_lone_surrogates_roundtrip() -> None:
    roundtrip(["\ud800", "a\udfffb"])


@pytest.mark.parametrize(("value", "tree"), [
    (Decimal("1.50"), {"$dec": "1.50"}),
    (Decimal("-0"), {"$dec": "-0"}),
    (Decimal("1E+3"), {"$dec": "1E+3"}),
    (Decimal("NaN"), {"$dec": "NaN"}),
    (Decimal("-Infinity"), {"$dec": "-Infinity"}),
    (math.inf, {"$float": "inf"}),
    (-math.inf, {"$float": "-inf"}),
    (math.nan, {"$float": "nan"}),
    (date(2025, 1, 2), {"$day": "2025-01-02"}),
    (pendulum.datetime(2025, 1, 1, 10, tz="Asia/Shanghai"),
     {"$date": "2025-01-01T10:00:00+08:00[Asia/Shanghai]"}),
    (pendulum.datetime(2025, 1, 1, 10, 0, 0, 123456, tz="UTC"),
     {"$date": "2025-01-01T10:00:00.123456+00:00[UTC]"}),
    (datetime(2025, 1, 1, 10, tzinfo=timezone(timedelta(hours=8))),
     {"$date": "2025-01-01T10:00:00+08:00"}),
    (datetime(2025, 1, 1, 10, tzinfo=UTC), {"$date": "2025-01-01T10:00:00+00:00[UTC]"}),
    (datetime(2025, 1, 1, 10), {"$date": "2025-01-01T10:00:00"}),
    ({"$date": "x"}, {"$obj": {"$date": "x"}}),
    ({"$obj": {"$x": 1}}, {"$obj": {"$obj": {"$obj": {"$x": 1}}}}),
    ((1, (2,)), [1, [2]]),
])
def test_tagged_forms(value: Any, tree: Any) -> None:
    assert encode(value) == tree
    roundtrip(value)


def test_big_ints() -> None:
    small = 10**600 - 1
    assert encode(small) == small
    huge = -(7**5000)
    assert set(encode(huge)) == {"$int"}
    assert roundtrip(huge) == huge
    assert roundtrip(1 << 2000) == 1 << 2000


def test_negative_zero_float() -> None:
    back = roundtrip(-0.0)
    assert math.copysign(1, back) == -1


def test_named_zone_and_dst_fold() -> None:
    london = pendulum.timezone("Europe/London")
    first = pendulum.DateTime(2025, 10, 26, 1, 30, tzinfo=london, fold=0)
    second = pendulum.DateTime(2025, 10, 26, 1, 30, tzinfo=london, fold=1)
    assert first.utcoffset() != second.utcoffset()
    for value in (first, second):
        back = loads(dumps(value))
        assert back.utcoffset() == value.utcoffset()
        assert back.fold == value.fold
        assert back.tzinfo.name == "Europe/London"
        assert back.in_timezone("UTC") == value.in_timezone("UTC")


def test_zoneinfo_datetime_decodes_as_pendulum() -> None:
    value = datetime(2025, 3, 30, 3, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    back = loads(dumps(value))
    assert isinstance(back, pendulum.DateTime)
    assert back == value and back.utcoffset() == timedelta(hours=2)
    assert zone_name(back) == "Europe/Berlin"


def test_fixed_offset_decodes_as_fixed_timezone() -> None:
    back = loads(dumps(pendulum.parse("2025-01-01T10:00:00-03:30")))
    assert isinstance(back.tzinfo, pendulum.FixedTimezone)
    assert back.utcoffset() == timedelta(hours=-3, minutes=-30)


def test_offset_not_used_by_zone_keeps_instant() -> None:
    # A stored offset the zone no longer uses at that wall time (rules changed): same instant.
    back = loads('{"$date":"2025-01-01T10:00:00+09:00[Asia/Shanghai]"}')
    assert back == pendulum.datetime(2025, 1, 1, 1, tz="UTC")
    assert back.tzinfo.name == "Asia/Shanghai"


def test_subclasses_of_plain_types_are_accepted() -> None:
    class Colour(str, Enum):  # noqa: UP042 - str() of this is "Colour.RED", not "red"
        RED = "red"

    class Level(IntEnum):
        HIGH = 3

    assert encode([Colour.RED, Level.HIGH, OrderedDict(a=1)]) == ["red", 3, {"a": 1}]
    assert type(encode(Colour.RED)) is str


@pytest.mark.parametrize(("value", "message"), [
    ({1, 2}, "'set' at the top level"),
    ({"a": [1, b"x"]}, "'bytes' at a[1]"),
    ({"a b": {"c": object()}}, "'object' at [\"a b\"].c"),
    ([{1: 2}], "dict key of type 'int'"),
    ([complex(1, 2)], "'complex' at [0]"),
])
def test_unsupported_types(value: Any, message: str) -> None:
    with pytest.raises(TypeError, match="cannot store") as info:
        encode(value)
    assert message in str(info.value)
    with pytest.raises(TypeError):
        dumps(value)


def nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def test_depth_limit_on_encode() -> None:
    assert same(nested(MAX_DEPTH), roundtrip(nested(MAX_DEPTH)))
    with pytest.raises(ValueError, match="nested more than 500"):
        encode(nested(MAX_DEPTH + 1))
    with pytest.raises(ValueError, match="nested"):
        encode(nested(MAX_DEPTH, Decimal(1)))  # the tag object is one level more
    with pytest.raises(ValueError, match="nested"):
        dumps(nested(MAX_DEPTH - 1, {"$x": 1}))  # the escape wrapper too
    roundtrip(nested(MAX_DEPTH - 2, {"$x": 1}))


def test_cycles_are_errors() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="cycle"):
        dumps(loop)
    d: dict[str, Any] = {}
    d["self"] = d
    with pytest.raises(ValueError):
        encode(d)


def test_hostile_text_is_an_error_not_a_crash() -> None:
    with pytest.raises(ValueError):
        loads("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError):
        loads('{"a":' * 600 + "1" + "}" * 600)
    with pytest.raises(ValueError):
        decode(nested(MAX_DEPTH + 1))


@pytest.mark.parametrize("text", [
    '{"$what": 1}',
    '{"$dec": 1}',
    '{"$dec": "abc"}',
    '{"$date": "not a date"}',
    '{"$date": "2025-01-01T10:00:00+08:00[Nowhere/City]"}',
    '{"$date": "2025-01-01T10:00:00[UTC]"}',
    '{"$day": "2025-13-01"}',
    '{"$float": "big"}',
    '{"$int": "xyz"}',
    '{"$obj": [1]}',
    '[1, 2',
])
def test_malformed_text(text: str) -> None:
    with pytest.raises(ValueError):
        loads(text)


def test_decode_rejects_non_json_trees() -> None:
    with pytest.raises(TypeError):
        decode({"a": {1, 2}})
    with pytest.raises(TypeError):
        decode({1: 2, 3: 4})


def test_decoded_values_are_fresh() -> None:
    tree = encode({"a": [1]})
    value = decode(tree)
    value["a"].append(2)
    assert tree == {"a": [1]}
