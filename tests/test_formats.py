"""portal.formats: one figure, one way of writing it, on pages, in PDFs, in Excel and e-mails."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D
from typing import Any
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.utils import translation

from portal.formats import (
    ROMAN_QUARTERS,
    quarter_from_roman,
    quarter_phrase,
    quarter_roman,
    quarter_title,
    vn_date,
    vn_date_in_words,
    vn_date_parts,
    vn_figure,
    vn_number,
    vn_percent,
    vn_plain_number,
    vn_ratio_percent,
)


def test_numbers_group_thousands_with_a_dot_and_take_a_decimal_comma() -> None:
    assert vn_number(D("1234.50")) == "1.234,5"  # as stored, without useless zeros
    assert vn_number(D("80.00")) == "80"
    assert vn_number(1234567) == "1.234.567"
    assert vn_number(D("-1234.5")) == "-1.234,5"
    assert vn_number(D("1234.56"), 1) == "1.234,6"
    assert vn_number(D("45.25"), 1) == "45,3"  # half up, as official reports round (not half even)
    assert vn_number(D("0.125"), 2) == "0,13"
    assert vn_number(D("1234.5"), 0) == "1.235"
    assert vn_number(None) == vn_number("") == vn_number("12,5") == "—"


def test_the_locale_does_not_change_how_a_document_writes_a_number() -> None:
    with translation.override("en"):
        assert vn_number(D("1234.5"), 1) == "1.234,5"


def test_percentages_carry_the_sign_right_after_the_figure() -> None:
    # Vietnamese administrative documents write "45,0%"; the pages now do too (they wrote "45,0 %").
    assert vn_percent(D("45")) == "45,0%"
    assert vn_percent(66.66666) == "66,7%"
    assert vn_percent(None) == "—"
    assert vn_ratio_percent(450, 1000) == "45,0%"
    assert vn_ratio_percent(D("2"), D("3"), 2) == "66,67%"
    assert vn_ratio_percent(450, 0) == vn_ratio_percent(None, 10) == "—"


def test_a_figure_with_its_unit() -> None:
    assert vn_figure(D("45.25"), 1, unit="%") == "45,3%"
    assert vn_figure(D("1354"), 0, unit="tin, bài") == "1.354 tin, bài"
    assert vn_figure(D("1354")) == "1.354"
    assert vn_figure(None, 1, unit="%") == "—"


def test_a_figure_typed_back_into_a_field() -> None:
    assert vn_plain_number(D("1234.50")) == "1234,5"
    assert vn_plain_number(D("12")) == "12"
    assert vn_plain_number(None) == ""


def test_dates_are_day_month_year() -> None:
    assert vn_date(date(2026, 1, 5)) == "05/01/2026"
    assert vn_date(None) == "—"
    assert vn_date(None, empty="…") == "…"
    assert vn_date_parts(5, 1, 2026) == "05/01/2026"


def test_a_moment_is_written_in_local_time(settings: Any) -> None:
    moment = datetime(2026, 1, 5, 1, 30, tzinfo=ZoneInfo("UTC"))
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    assert vn_date(moment) == local.strftime("%d/%m/%Y %H:%M")
    assert vn_date(moment, with_time=False) == local.strftime("%d/%m/%Y")


def test_the_date_line_in_words_pads_low_days_and_the_first_two_months() -> None:
    assert vn_date_in_words(5, 1, 2026) == "ngày 05 tháng 01 năm 2026"
    assert vn_date_in_words(15, 3, 2026) == "ngày 15 tháng 3 năm 2026"
    assert vn_date_in_words(None, None, None, blank="__", year_blank="____") == "ngày __ tháng __ năm ____"


def test_quarters_are_roman_numerals_both_ways() -> None:
    assert [quarter_roman(q) for q in (1, 2, 3, 4)] == ["I", "II", "III", "IV"]
    assert quarter_roman(0) == ""
    assert all(quarter_from_roman(roman) == q for q, roman in ROMAN_QUARTERS.items())
    assert quarter_from_roman("iv") == 4 and quarter_from_roman("V") is None
    assert quarter_title(4, 2025) == "Quý IV năm 2025"
    assert quarter_phrase(1, 2026) == "quý I năm 2026"


def test_templates_write_figures_through_the_same_functions() -> None:
    html = Template(
        "{% load formats %}{{ n|vn_number }} {{ n|vn_number:1 }} {{ p|pct }} {% percent 450 1000 %} {{ d|dmy }}"
    ).render(Context({"n": D("1234.56"), "p": 66.666, "d": date(2026, 3, 15)}))
    assert html == "1.234,56 1.234,6 66,7% 45,0% 15/03/2026"
