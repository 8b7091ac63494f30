"""Masking of reporters' phones and names."""

from __future__ import annotations

import pytest

from gis.incidents.privacy import mask_name, mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("010-6273 1234", "010****1234"),
        ("(010) 62731234", "010****1234"),
        ("+86 138 1234 5678", "861****5678"),  # the first three digits, whatever they are
    ],
)
def test_phone_keeps_first_three_and_last_four_digits(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("phone", "masked"), [("1", "*"), ("12345", "*****"), ("1234567", "*" * 7)]
)
def test_short_phone_is_masked_completely(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_short_phone_with_separators_keeps_no_digit() -> None:
    assert mask_phone("12-34-56") == "******"


def test_phone_without_digits_becomes_empty() -> None:
    assert mask_phone("unknown") == ""


@pytest.mark.parametrize("phone", [None, ""])
def test_missing_phone_stays_missing(phone: str | None) -> None:
    assert mask_phone(phone) == phone


def test_masked_phone_keeps_no_middle_digit() -> None:
    assert "1234" not in (mask_phone("13812345678") or "")


@pytest.mark.parametrize("phone", ["62731234", "6273 1234"])
def test_masked_landline_hides_at_least_four_digits(phone: str) -> None:
    digits = sum(c.isdigit() for c in phone)
    shown = sum(c.isdigit() for c in mask_phone(phone) or "")
    assert shown <= digits - 4


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三丰", "张**"), ("张三", "张*"), ("欧阳娜娜", "欧***"), ("john smith", "j*********")],
)
def test_name_keeps_only_the_first_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_one_character_name_is_masked_completely() -> None:
    assert mask_name("李") == "*"


@pytest.mark.parametrize("name", [None, ""])
def test_missing_name_stays_missing(name: str | None) -> None:
    assert mask_name(name) == name


@pytest.mark.parametrize("name", ["张三丰", "李", "john smith"])
def test_masked_name_has_the_same_length(name: str) -> None:
    assert len(mask_name(name) or "") == len(name)
