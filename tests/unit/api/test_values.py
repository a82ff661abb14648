"""Kafka's Values (parse_string / convert_to_string), with the vectors of Kafka's ValuesTest."""

from __future__ import annotations

import datetime
import decimal
from decimal import Decimal

import pytest

from fastconnect.api.errors import DataError
from fastconnect.api.schema import DATE, DECIMAL, TIME, TIMESTAMP, connect_schema_to_field
from fastconnect.api.values import Float32, convert_to_string, parse_string
from fastconnect.api.values_text import Parser

UTC = datetime.timezone.utc
WHITESPACE = "\n \t \t\n"


def schema(kind: str) -> dict:
    return {"type": kind, "optional": False}


def logical(kind: str, name: str) -> dict:
    return {"type": kind, "optional": False, "name": name, "version": 1}


def decimal_schema(scale: int) -> dict:
    return {"type": "bytes", "optional": False, "name": DECIMAL, "version": 1,
            "parameters": {"scale": str(scale)}}


def array(items: dict | None) -> dict:
    return {"type": "array", "items": items, "optional": False}


def map_of(keys: dict | None, values: dict | None) -> dict:
    return {"type": "map", "keys": keys, "values": values, "optional": False}


STRING, BOOLEAN = schema("string"), schema("boolean")
INT8, INT16, INT32, INT64 = schema("int8"), schema("int16"), schema("int32"), schema("int64")
FLOAT32, FLOAT64 = schema("float"), schema("double")
DATE_SCHEMA, TIME_SCHEMA = logical("int32", DATE), logical("int32", TIME)
TIMESTAMP_SCHEMA = logical("int64", TIMESTAMP)

STRING_MAP = {"foo": "123", "bar": "baz"}
STRING_SHORT_MAP = {"foo": 12345, "bar": 0, "baz": -4321}
STRING_INT_MAP = {"foo": 1234567890, "bar": 0, "baz": -987654321}
STRING_LIST, INT_LIST = ["foo", "bar"], [1234567890, -987654321]


def assert_round_trip(value_schema: dict, value) -> None:
    """Kafka's assertRoundTrip: write, read back, and again from what was read."""
    text = convert_to_string(value_schema, value)
    assert text is not None
    if value_schema == STRING:  # Kafka converts back with convertToString for strings
        assert text == value
        return
    result = parse_string(text)
    assert result == (value_schema, value)
    assert parse_string(convert_to_string(*result)) == result


# --- ValuesTest: literals and malformed input -------------------------------------------------

def test_noncharacter_uffff_is_a_string_without_looping():
    text = bytes([0xEF, 0xBF, 0xBF]).decode("utf-8")  # U+FFFF, Java's CharacterIterator.DONE
    assert parse_string(text) == (STRING, text)


@pytest.mark.parametrize("text", ["{foo: 3}", "{3: foo}", "[foo]"])
def test_unquoted_embedded_strings_make_the_whole_text_a_string(text):
    assert parse_string(text) == (STRING, text)


@pytest.mark.parametrize("text", ["null=", "true}", "false]"])
def test_literal_followed_by_more_text_is_a_string(text):
    assert parse_string(text) == (STRING, text)


def test_true_and_false_surrounded_by_whitespace_are_booleans():
    assert parse_string(WHITESPACE + "true" + WHITESPACE) == (BOOLEAN, True)
    assert parse_string(WHITESPACE + "false" + WHITESPACE) == (BOOLEAN, False)


def test_null_alone_or_surrounded_by_whitespace_is_none():
    assert parse_string("null") is None
    assert parse_string(WHITESPACE + "null" + WHITESPACE) is None


def test_none_text_is_null_schema_and_value():
    assert parse_string(None) == (None, None)


def test_boolean_literals_embedded_in_array():
    assert parse_string("[true, false]") == (array(BOOLEAN), [True, False])


def test_boolean_literals_embedded_in_map():
    assert parse_string("{true: false, false: true}") == (map_of(BOOLEAN, BOOLEAN),
                                                         {True: False, False: True})


@pytest.mark.parametrize("text", ["{6:9 4:20}", "[0 1 2]", "{null: 3}"])
def test_map_or_array_missing_commas_or_with_null_key_is_a_string(text):
    assert parse_string(text) == (STRING, text)


def test_empty_map_and_array_have_no_element_schemas():
    assert parse_string("{}") == (map_of(None, None), {})
    assert parse_string("[]") == (array(None), [])


def test_null_map_values_leave_the_value_schema_out():
    assert parse_string("{3: null}") == (map_of(INT8, None), {3: None})


def test_null_array_elements_leave_the_element_schema_out():
    assert parse_string("[null]") == (array(None), [None])


def test_string_of_null_converts_to_itself():
    assert convert_to_string(STRING, "null") == "null"


def test_embedded_quotes_and_backslashes_are_escaped():
    original = 'three"blind\\"mice'
    assert convert_to_string(array(STRING), [original]) == '["three\\"blind\\\\\\"mice"]'


def test_null_value_converts_to_none():
    assert convert_to_string(STRING, None) is None
    assert convert_to_string({"type": "string", "optional": True}, None) is None


def test_boolean_values_round_trip():
    assert_round_trip(BOOLEAN, False)
    assert_round_trip(BOOLEAN, True)
    assert parse_string("false") == (BOOLEAN, False)
    assert parse_string("true") == (BOOLEAN, True)


def test_quoted_word_is_not_a_boolean():
    assert parse_string('"green"') == (STRING, '"green"')


@pytest.mark.parametrize("text", [
    "simple", "", 'three"blind\\"mice', "string with delimiters: <>?,./\\=+-!@#$%^&*(){}[]|;':",
])
def test_strings_round_trip(text):
    assert_round_trip(STRING, text)
    assert parse_string(text) == (STRING, text)


# --- ValuesTest: maps and lists ---------------------------------------------------------------

@pytest.mark.parametrize("value_schema, value", [
    (map_of(STRING, STRING), STRING_MAP), (map_of(STRING, INT16), STRING_SHORT_MAP),
    (map_of(STRING, INT32), STRING_INT_MAP), (array(STRING), STRING_LIST),
    (array(INT32), INT_LIST),
])
def test_maps_and_lists_round_trip(value_schema, value):
    assert_round_trip(value_schema, value)


@pytest.mark.parametrize("text, expected", [
    ('{"foo":"123","bar":"baz"}', (map_of(STRING, STRING), STRING_MAP)),
    ('{ "foo" : "123", \n"bar" : "baz" } ', (map_of(STRING, STRING), STRING_MAP)),
    ('{"foo":12345,"bar":0,"baz":-4321}', (map_of(STRING, INT16), STRING_SHORT_MAP)),
    (' { "foo" :  12345 , "bar" : 0,  "baz" : -4321 }  ', (map_of(STRING, INT16),
                                                          STRING_SHORT_MAP)),
    ('{"foo":1234567890,"bar":0,"baz":-987654321}', (map_of(STRING, INT32), STRING_INT_MAP)),
    (' { "foo" :  1234567890 , "bar" : 0,  "baz" : -987654321 }  ', (map_of(STRING, INT32),
                                                                    STRING_INT_MAP)),
])
def test_map_text_with_and_without_whitespace_parses_as_map(text, expected):
    result = parse_string(text)
    assert result == expected
    assert list(result[1]) == list(expected[1])  # entries keep their order


def test_list_of_numbers_takes_the_largest_numeric_type():
    assert parse_string("[1, 2, 32768]") == (array(INT32), [1, 2, 32768])


@pytest.mark.parametrize("text, expected", [
    ('[1, 2, "three"]', [1, 2, "three"]), ('[1, 2, 3, "four"]', [1, 2, 3, "four"]),
])
def test_list_of_mixed_elements_has_no_element_schema(text, expected):
    assert parse_string(text) == (array(None), expected)


@pytest.mark.parametrize("text", ["[1, 2, 3,,,]", '[1, 2, 3, "four",,,]'])
def test_array_with_blank_elements_is_a_string(text):
    assert parse_string(text) == (STRING, text)


@pytest.mark.parametrize("text", [
    ' { "foo" :  1234567890 ,, "bar" : 0,  "baz" : -987654321 }  ',
    ' { "foo" :  1234567890 , "a", "bar" : 0,  "baz" : -987654321 }  ',
    " { ,,  , , }  ",
    ' { "foo" :  "1234567890" ,, "bar" : "0",  "baz" : "boz" }  ',
])
def test_map_with_blank_or_malformed_entries_is_no_map(text):
    # Kafka's convertToMap refuses these. After rewinding, Kafka's parser returns the blank
    # token in front of '{' as the string.
    assert parse_string(text) == (STRING, " ")
    assert parse_string(text.strip()) == (STRING, text.strip())


# --- ValuesTest: dates, times, timestamps -----------------------------------------------------

TS = datetime.datetime(2019, 8, 23, 14, 34, 54, 346000, tzinfo=UTC)
TIME_OF_DAY = datetime.time(14, 34, 54, 346000)


@pytest.mark.parametrize("text, expected", [
    ("2019-08-23T14:34:54.346Z", (TIMESTAMP_SCHEMA, TS)),
    ("2019-08-23", (DATE_SCHEMA, datetime.date(2019, 8, 23))),
    ("14:34:54.346Z", (TIME_SCHEMA, TIME_OF_DAY)),
    ("2019-08-23T14\\:34\\:54.346Z", (TIMESTAMP_SCHEMA, TS)),
    ("14\\:34\\:54.346Z", (TIME_SCHEMA, TIME_OF_DAY)),
])
def test_iso8601_text_parses_as_timestamp_date_or_time(text, expected):
    assert parse_string(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("[2019-08-23]", (array(DATE_SCHEMA), [datetime.date(2019, 8, 23)])),
    ("[14:34:54.346Z]", (array(TIME_SCHEMA), [TIME_OF_DAY])),
    ("[2019-08-23T14:34:54.346Z]", (array(TIMESTAMP_SCHEMA), [TS])),
    ("[2019-08-23T14:34:54.346Z,2019-01-23T15:12:34.567Z,   2019-04-23T19:12:34.567Z]",
     (array(TIMESTAMP_SCHEMA),
      [TS, datetime.datetime(2019, 1, 23, 15, 12, 34, 567000, tzinfo=UTC),
       datetime.datetime(2019, 4, 23, 19, 12, 34, 567000, tzinfo=UTC)])),
    ('{"k1":"14:34:54.346Z"}', (map_of(STRING, TIME_SCHEMA), {"k1": TIME_OF_DAY})),
    ('{"k1":14:34:54.346Z}', (map_of(STRING, TIME_SCHEMA), {"k1": TIME_OF_DAY})),
])
def test_dates_times_and_timestamps_embedded_in_arrays_and_maps(text, expected):
    assert parse_string(text) == expected


# --- ValuesTest: the tokenizer ----------------------------------------------------------------

def test_parser_consumes_multiple_tokens():
    parser = Parser("a:b:c:d:e:f:g:h")
    assert parser.next_n(5) == "a:b:c"
    assert [parser.next(), parser.next(), parser.next()] == [":", "d", ":"]
    assert parser.next_n(8) is None  # only 7 remain
    assert parser.next() == "e"


def assert_tokens(text: str, *tokens: str) -> None:
    """Kafka's assertParsed: read, rewind and re-read each token, then consume them."""
    tokens = tokens or (text,)
    parser = Parser(text)
    for token in tokens:
        assert parser.has_next()
        position = parser.mark()
        assert parser.next() == token
        assert parser.position() == position + len(token) and parser.previous() == token
        parser.rewind_to(position)
        assert parser.position() == position
        assert parser.next() == token and parser.mark() == position + len(token)
    assert not parser.has_next()
    for parser in (parser, Parser(text)):
        parser.rewind_to(0)
        for token in tokens:
            if token.strip():
                position = parser.mark()
                assert parser.can_consume(token.strip())
                parser.rewind_to(position)
                assert parser.can_consume(token, ignore_whitespace=False)


@pytest.mark.parametrize("text", [
    "  ", "simple", "simple string", "simple \n\t\bstring", "'simple' string", "si\\mple",
    "si\\\\mple",
])
def test_parser_text_without_delimiters_is_one_token(text):
    assert_tokens(text)


@pytest.mark.parametrize("text", [
    'si\\"mple', "si\\{mple", "si\\}mple", "si\\]mple", "si\\[mple", "si\\:mple", "si\\,mple",
])
def test_parser_escaped_delimiters_stay_in_the_token(text):
    assert_tokens(text)


@pytest.mark.parametrize("text", [
    "a{b", "a}b", "a[b", "a]b", "a:b", "a,b", 'a"b', "{b", "}b", "[b", "]b", ":b", ",b", '"b',
    "{", "}", "[", "]", ":", ",", '"',
])
def test_parser_single_delimiter_is_its_own_token(text):
    assert_tokens(text, *[c for c in text])


@pytest.mark.parametrize("text, tokens", [
    ('"simple" string', ['"', "simple", '"', " string"]),
    ("a{bc}d", ["a", "{", "bc", "}", "d"]),
    ("a { b c } d", ["a ", "{", " b c ", "}", " d"]),
])
def test_parser_multiple_delimiters(text, tokens):
    assert_tokens(text, *tokens)


# --- ValuesTest: numbers at their type boundaries ---------------------------------------------

@pytest.mark.parametrize("value, expected_schema", [
    (127, INT8), (-128, INT8), (128, INT16), (-129, INT16), (32767, INT16), (-32768, INT16),
    (32768, INT32), (-32769, INT32), (2**31 - 1, INT32), (-2**31, INT32), (2**31, INT64),
    (-2**31 - 1, INT64), (2**63 - 1, INT64), (-2**63, INT64),
])
def test_integers_take_the_smallest_type_that_fits(value, expected_schema):
    assert parse_string(str(value)) == (expected_schema, value)


@pytest.mark.parametrize("value", [2**63, -2**63 - 1, 10**19, 10**20])
def test_integers_beyond_int64_are_decimals_of_scale_zero(value):
    result_schema, result = parse_string(str(value))
    assert result_schema == decimal_schema(0)
    assert isinstance(result, Decimal) and result == value


def test_float_max_parses_as_float32_and_double_max_as_float64():
    assert parse_string("3.4028235E38") == (FLOAT32, float.fromhex("0x1.fffffep127"))
    assert parse_string("-3.4028235E38") == (FLOAT32, -float.fromhex("0x1.fffffep127"))
    assert isinstance(parse_string("3.4028235E38")[1], Float32)
    assert parse_string("1.7976931348623157E308") == (FLOAT64, 1.7976931348623157e308)
    assert parse_string("-1.7976931348623157E308") == (FLOAT64, -1.7976931348623157e308)


@pytest.mark.parametrize("text, expected", [
    ("1.0", (INT8, 1)), ("1.", (INT8, 1)), ("-0.0", (INT8, 0)), ("+5", (INT8, 5)),
    ("1e2", (INT8, 100)), ("1E+2", (INT8, 100)), ("1.5", (FLOAT32, 1.5)),
    ("0.5", (FLOAT32, 0.5)), ("-0.25", (FLOAT32, -0.25)),
    ("1e19", (FLOAT32, 9.999999980506448e18)), ("1e40", (FLOAT64, 1e40)),
    ("1e-50", (FLOAT32, 0.0)),
])
def test_number_forms(text, expected):
    assert parse_string(text) == expected


def test_decimal_keeps_its_written_scale_when_no_float_holds_it():
    result_schema, value = parse_string("1e400")
    assert result_schema == decimal_schema(-400)
    assert value.as_tuple().exponent == 400
    assert convert_to_string(result_schema, value) == "1E+400"


def test_float32_is_rounded_once_from_the_decimal_text():
    # Just above the midpoint of 1 and the next float32: via a double it would tie to 1.0.
    with decimal.localcontext() as ctx:
        ctx.prec = 100
        text = str(Decimal(1) + Decimal(2) ** -24 + Decimal(2) ** -60)
    assert parse_string(text) == (FLOAT32, 1 + 2.0 ** -23)


@pytest.mark.parametrize("text", [".5", "1.2.3", "1e", "--1", "12abc", "1_000", "Infinity"])
def test_text_that_java_bigdecimal_refuses_is_a_string(text):
    assert parse_string(text) == (STRING, text)


# --- edge cases -------------------------------------------------------------------------------

def test_whitespace_only_text_is_that_string():
    assert parse_string("  ") == (STRING, "  ")
    assert parse_string(WHITESPACE) == (STRING, WHITESPACE)


def test_surrounding_whitespace_around_numbers_and_arrays_is_ignored():
    assert parse_string(" 5 ") == (INT8, 5)
    assert parse_string("\t[1]\n") == (array(INT8), [1])


def test_first_number_is_taken_even_when_more_tokens_follow():
    # Kafka reads the first token only: "1,2" is the int8 1, "12:34" the int8 12.
    assert parse_string("1,2") == (INT8, 1)
    assert parse_string("12:34") == (INT8, 12)


def test_failed_array_after_leading_whitespace_gives_the_whitespace():
    # Kafka rewinds to the blank token before '[' and returns it.
    assert parse_string("  [foo]") == (STRING, "  ")


@pytest.mark.parametrize("text, expected", [
    ("[[1, 2], [3]]", (array(array(INT8)), [[1, 2], [3]])),
    ('{"a": [1], "b": [2, 300]}', (map_of(STRING, array(INT16)), {"a": [1], "b": [2, 300]})),
    ('[[1], ["a"]]', (array(array(STRING)), [[1], ["a"]])),
    ('{"a": {"b": true}}', (map_of(STRING, map_of(STRING, BOOLEAN)), {"a": {"b": True}})),
])
def test_nested_arrays_and_maps_take_the_last_nested_schema(text, expected):
    # Two arrays (or maps) always merge to the later one's schema, elements unconverted.
    assert parse_string(text) == expected


def test_ints_and_floats_in_one_array_become_floats():
    result_schema, value = parse_string("[1, 2.5]")
    assert result_schema == array(FLOAT32)
    assert value == [1.0, 2.5] and all(isinstance(v, Float32) for v in value)
    assert parse_string("[1, 2.5, 1e40]") == (array(FLOAT64), [1.0, 2.5, 1e40])


def test_null_beside_a_typed_element_makes_the_whole_text_a_string():
    assert parse_string("[1, null]") == (STRING, "[1, null]")
    assert parse_string("{1: 2, 3: null}") == (STRING, "{1: 2, 3: null}")
    assert parse_string("[null, null]") == (array(None), [None, None])


def test_trailing_comma_in_array_is_accepted():
    assert parse_string("[1,]") == (array(INT8), [1])


def test_embedded_strings_keep_backslashes_and_lose_blank_content():
    assert parse_string('["a\\"b"]') == (array(STRING), ['a\\"b'])
    assert parse_string('["  "]') == (array(STRING), [""])


def test_ints_beside_a_date_become_days_since_the_epoch():
    assert parse_string("[2019-08-23, 5]") == (
        array(DATE_SCHEMA), [datetime.date(2019, 8, 23), datetime.date(1970, 1, 6)])


def test_date_beside_a_timestamp_keeps_its_python_type():
    result_schema, value = parse_string("[14:34:54.346Z, 2019-08-23T14:34:54.346Z]")
    assert result_schema == array(TIMESTAMP_SCHEMA)
    assert value == [TIME_OF_DAY, TS]


@pytest.mark.parametrize("text, expected", [
    ("2019-13-01", datetime.date(2020, 1, 1)), ("2019-02-30", datetime.date(2019, 3, 2)),
    ("2019-08- 3", datetime.date(2019, 8, 3)), ("2019-08-2x", datetime.date(2019, 8, 2)),
    ("1582-10-15", datetime.date(1582, 10, 15)), ("1582-10-04", datetime.date(1582, 10, 14)),
    ("1000-01-01", datetime.date(1000, 1, 6)),
])
def test_dates_parse_leniently_in_javas_julian_gregorian_calendar(text, expected):
    assert parse_string(text) == (DATE_SCHEMA, expected)


def test_lenient_timestamp_overflows_into_the_next_day():
    assert parse_string("2019-02-28T24:00:00.000Z") == (
        TIMESTAMP_SCHEMA, datetime.datetime(2019, 3, 1, tzinfo=UTC))


def test_dates_python_cannot_hold_are_not_dates_here():
    assert parse_string("0001-01-01") == (STRING, "0001-01-01")  # Julian: Gregorian year 0
    assert parse_string("25:00:00.000Z") == (INT8, 25)  # a Time beyond one day


# --- convert_to_string ------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (datetime.date(2019, 8, 23), "2019-08-23"),
    (datetime.time(14, 34, 54, 346999), "14:34:54.346Z"),
    (TS, "2019-08-23T14:34:54.346Z"),
    (datetime.datetime(2019, 8, 23, tzinfo=UTC), "2019-08-23"),
    (datetime.datetime(2019, 8, 23, 14, 34, 54, 346000), "2019-08-23T14:34:54.346Z"),
    (datetime.datetime(2019, 8, 23, 16, 34, 54, 346000,
                       tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
     "2019-08-23T14:34:54.346Z"),
    (datetime.date(1970, 1, 1), "00:00:00.000Z"), (datetime.date(1969, 7, 20), "00:00:00.000Z"),
    (datetime.datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=UTC), "23:59:59.999Z"),
    (datetime.datetime(1970, 1, 1, 5, tzinfo=UTC), "05:00:00.000Z"),
])
def test_dates_print_by_their_epoch_milliseconds_like_kafka(value, expected):
    assert convert_to_string(None, value) == expected


@pytest.mark.parametrize("value_schema, value, expected", [
    (FLOAT64, 1.1, "1.1"), (FLOAT32, 1.1, "1.1"), (None, Float32(1.100000023841858), "1.1"),
    (None, 1.100000023841858, "1.100000023841858"), (FLOAT64, 1e10, "1.0E10"),
    (FLOAT64, float("nan"), "NaN"), (FLOAT32, float("-inf"), "-Infinity"),
    (decimal_schema(2), Decimal("12.50"), "12.50"), (None, Decimal("0.0000001"), "1E-7"),
    (None, Decimal("-1E+3"), "-1E+3"), (INT64, -2**63, "-9223372036854775808"),
])
def test_numbers_print_as_java_does(value_schema, value, expected):
    assert convert_to_string(value_schema, value) == expected


def test_bytes_print_as_base64_quoted_when_embedded():
    assert convert_to_string(schema("bytes"), b"\x00\xffhi") == "AP9oaQ=="
    assert convert_to_string(array(schema("bytes")), [b"hi", None]) == '["aGk=",null]'


def test_map_prints_entries_in_order_with_quoted_keys():
    value = {"b": [1, 2], "a": {"x": None}, "c": Float32(0.5)}
    assert convert_to_string(None, value) == '{"b":[1,2],"a":{"x":null},"c":0.5}'


def test_struct_prints_its_fields_in_schema_order_with_defaults():
    struct = {"type": "struct", "optional": False, "fields": [
        {"field": "b", "type": "string", "optional": True},
        {"field": "a", "type": "float", "optional": True, "default": 2.5},
        {"field": "when", "type": "int32", "optional": True, "name": DATE, "version": 1},
    ]}
    value = {"a": None, "b": 'x"y', "when": datetime.date(2019, 8, 23)}
    assert convert_to_string(struct, value) == '{"b":"x\\"y","a":2.5,"when":2019-08-23}'
    assert convert_to_string(array(struct), [value]) == '[{"b":"x\\"y","a":2.5,"when":2019-08-23}]'


def test_value_of_no_connect_type_is_refused():
    with pytest.raises(DataError, match="unexpected value type"):
        convert_to_string(None, object())
    with pytest.raises(DataError):
        convert_to_string(None, Decimal("NaN"))


@pytest.mark.parametrize("value_schema, value", [
    (INT8, -128), (INT64, 2**63 - 1), (FLOAT32, Float32(0.1)), (FLOAT64, -1e39),
    (decimal_schema(0), Decimal(2**70)), (DATE_SCHEMA, datetime.date(2024, 2, 29)),
    (TIME_SCHEMA, datetime.time(23, 59, 59, 999000)), (TIMESTAMP_SCHEMA, TS),
    (array(array(INT16)), [[1, 2], [300]]), (map_of(STRING, array(DATE_SCHEMA)),
                                             {"d": [datetime.date(2000, 1, 1)]}),
    (map_of(INT8, FLOAT64), {1: 1e300, -2: -1e39}),
])
def test_values_round_trip_through_text(value_schema, value):
    assert_round_trip(value_schema, value)


def test_double_reads_back_as_float32_when_a_float32_holds_it():
    # As in Kafka: the text carries no type, and 0.1 fits a float32.
    assert parse_string(convert_to_string(FLOAT64, 0.1)) == (FLOAT32, Float32(0.1))
    assert parse_string(convert_to_string(FLOAT64, 1e-300)) == (FLOAT32, 0.0)


def test_parsed_schemas_map_to_arrow_fields():
    result_schema, _ = parse_string('{"a": [2019-08-23T14:34:54.346Z, 2019-08-24]}')
    assert result_schema == map_of(STRING, array(TIMESTAMP_SCHEMA))
    field = connect_schema_to_field(result_schema, "header")
    assert str(field.type) == "map<string, list<item: timestamp[ms, tz=UTC] not null>>"
