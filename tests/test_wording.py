"""The service's wording of a bad body, built in one place (emulator/wording.py)."""

from __future__ import annotations

from emulator.wording import (
    array_length,
    empty_array,
    empty_string,
    invalid_type,
    invalid_value,
    kind_of,
    missing_parameter,
    out_of_range,
    string_too_long,
    unsupported_parameter,
)


def test_a_missing_parameter_is_named_with_its_code() -> None:
    error = missing_parameter("messages[0].content")
    assert error.error == {
        "message": "Missing required parameter: 'messages[0].content'.",
        "type": "invalid_request_error",
        "param": "messages[0].content",
        "code": "missing_required_parameter",
    }


def test_a_wrong_type_says_what_was_expected_and_what_came() -> None:
    assert invalid_type("model", "a string", 5).message == (
        "Invalid type for 'model': expected a string, but got an integer instead."
    )
    assert [kind_of(v) for v in (None, True, 1, 1.5, "x", [], {})] == [
        "null",
        "a boolean",
        "an integer",
        "a decimal",
        "a string",
        "an array",
        "an object",
    ]


def test_values_outside_a_set_list_two_with_and_and_more_with_a_serial_comma() -> None:
    assert invalid_value("order", "up", ["asc", "desc"]).message == (
        "Invalid value: 'up'. Supported values are: 'asc' and 'desc'."
    )
    three = invalid_value("role", "bot", ["system", "user", "assistant"])
    assert three.message == "Invalid value: 'bot'. Supported values are: 'system', 'user', and 'assistant'."
    assert (three.param, three.code) == ("role", "invalid_value")


def test_numbers_out_of_range_say_the_bound_and_the_kind_of_number() -> None:
    below = out_of_range("n", 0, below=1)
    assert below.message == "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead."
    assert below.code == "integer_below_min_value"
    above = out_of_range("speed", 4.5, above=4.0, decimal=True)
    assert above.message == "Invalid 'speed': decimal above maximum value. Expected a value <= 4, but got 4.5 instead."
    assert above.code == "decimal_above_max_value"
    assert "Expected a value > 0" in out_of_range("x", 0, below=0, inclusive=False).message


def test_arrays_and_strings_of_the_wrong_length() -> None:
    assert empty_array("prompt").code == "empty_array"
    assert array_length("tools", 129, most=128).message == (
        "Invalid 'tools': array too long. Expected an array with maximum length 128, but got an array with length "
        "129 instead."
    )
    assert array_length("stop", 0, least=1).code == "array_below_min_length"
    assert empty_string("prompt").code == "empty_string"
    assert string_too_long("input", 4096, 5000).code == "string_above_max_length"


def test_an_unsupported_parameter_may_say_what_to_use_instead() -> None:
    error = unsupported_parameter("max_tokens", "Use 'max_completion_tokens' instead.")
    assert error.message == (
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."
    )
    assert error.code == "unsupported_parameter"
