"""Rollup arithmetic on hand-computed cases."""

from decimal import Decimal as D

from targets.progress import Figure, achievement, expected_at, progress_status, year_to_date
from targets.status import RollupStatus


def test_percentage_comes_from_summed_counts_not_an_average() -> None:
    # Unit 1: 90/100 (90 %), unit 2: 10/900 (1.1 %). Average of percentages would be 45.6 %;
    # the right figure is 100/1000 = 10 %.
    figure = Figure(numerator=D(90) + D(10), denominator=D(100) + D(900), units_reported=2)
    assert figure.level(percent=True) == D("10.0000")


def test_zero_denominator_has_no_percentage() -> None:
    assert Figure(numerator=D(0), denominator=D(0), units_reported=1).level(percent=True) is None


def test_flows_add_up_to_year_to_date() -> None:
    q1 = Figure(value=D(70), units_reported=2)
    q2 = Figure(value=D(80), units_reported=2)
    ytd2 = year_to_date(current=q2, previous=q1, flow=True)
    assert ytd2.value == D(150)
    q3_empty = Figure()
    assert year_to_date(current=q3_empty, previous=ytd2, flow=True).value == D(150)


def test_stocks_take_the_latest_quarter_with_data() -> None:
    q1 = Figure(numerator=D(300), denominator=D(1000), units_reported=3)
    q2 = Figure(numerator=D(450), denominator=D(1000), units_reported=3)
    assert year_to_date(current=q2, previous=q1, flow=False) == q2
    nothing = Figure()
    assert year_to_date(current=nothing, previous=q2, flow=False) == q2


def test_percent_flow_adds_numerators_and_denominators() -> None:
    ytd = year_to_date(current=Figure(numerator=D(5), denominator=D(10), units_reported=1),
                       previous=Figure(numerator=D(1), denominator=D(10), units_reported=1), flow=True)
    assert ytd.level(percent=True) == D("30.0000")


def test_linear_trajectory() -> None:
    assert expected_at(target=D(300), baseline=None, quarter=1, flow=True) == D(75)
    assert expected_at(target=D(80), baseline=D(40), quarter=2, flow=False) == D(60)
    assert expected_at(target=D(80), baseline=None, quarter=4, flow=False) == D(80)


def test_achievement_is_value_over_target() -> None:
    assert achievement(level=D(60), target=D(80)) == D(75)
    assert achievement(level=D(60), target=None) is None


def test_status_against_the_trajectory_with_a_margin() -> None:
    expected = D(60)  # 15 % margin: on track from 51, at risk from 42
    assert progress_status(level=D(80), target=D(80), expected=expected, margin_pct=D(15)) == RollupStatus.REACHED
    assert progress_status(level=D(51), target=D(80), expected=expected, margin_pct=D(15)) == RollupStatus.ON_TRACK
    assert progress_status(level=D("50.9"), target=D(80), expected=expected, margin_pct=D(15)) == RollupStatus.AT_RISK
    assert progress_status(level=D(42), target=D(80), expected=expected, margin_pct=D(15)) == RollupStatus.AT_RISK
    assert progress_status(level=D("41.9"), target=D(80), expected=expected, margin_pct=D(15)) == RollupStatus.OFF_TRACK
    assert progress_status(level=None, target=D(80), expected=expected, margin_pct=D(15)) == RollupStatus.NO_DATA
    assert progress_status(level=D(10), target=None, expected=None, margin_pct=D(15)) == RollupStatus.NO_TARGET
