"""Reads of the dashboards: a commune's campaign at a glance, a province's communes side by
side, and what a unit has to report next.

The figures are the stored rollups (CommuneRollup, ProvinceRollup), read the way the progress
pages and the PDFs read them (rollup_selectors, consolidated_selectors); completeness follows
selectors.period_completeness. Nothing here computes a figure of its own. Every read is a fixed
number of queries, however many units, indicators, tasks, periods or communes there are.
"""

from reporting.selectors.dashboards.common import (
    LAGGING,
    QUARTERS,
    UPCOMING_DAYS,
    TaskDeadlines,
    TaskDue,
    commune_plan,
    figures_quarter,
    quarter_end,
    status_period,
    task_deadlines,
    timeframe_due,
)
from reporting.selectors.dashboards.commune import (
    CommuneDashboard,
    Deadline,
    IndicatorProgress,
    commune_dashboard,
)
from reporting.selectors.dashboards.province import (
    HeatFilter,
    HeatRow,
    ProvinceDashboard,
    default_quarter,
    fold,
    heat_rows,
    province_dashboard,
    province_plan_years,
)
from reporting.selectors.dashboards.unit import UnitHome, UnitPeriod, unit_home, unit_periods

__all__ = [
    "LAGGING", "QUARTERS", "UPCOMING_DAYS", "CommuneDashboard", "Deadline", "HeatFilter", "HeatRow",
    "IndicatorProgress", "ProvinceDashboard", "TaskDeadlines", "TaskDue", "UnitHome", "UnitPeriod",
    "commune_dashboard", "commune_plan", "default_quarter", "figures_quarter", "fold", "heat_rows",
    "province_dashboard", "province_plan_years", "quarter_end", "status_period", "task_deadlines",
    "timeframe_due", "unit_home", "unit_periods",
]
