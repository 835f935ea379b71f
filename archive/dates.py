"""Dates known only to a day, month, year or approximately, as archives meet them."""

import datetime as dt
import re

from django.db import models
from django.utils.translation import gettext_lazy as _


class DatePrecision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")
    APPROXIMATE = "approximate", _("approximate")


_PARTIAL = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?$")


def parse_partial_date(value: str, precision: str | None = None) -> tuple[dt.date, str]:
    """Parse "YYYY", "YYYY-MM" or "YYYY-MM-DD" to the first day it covers plus its precision.

    The stored date is the first day of the period; the precision says how much of it is known.
    """
    match = _PARTIAL.match(str(value).strip())
    if not match:
        raise ValueError(f"{value!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match["y"], match["m"], match["d"]
    implied = DatePrecision.DAY if day else DatePrecision.MONTH if month else DatePrecision.YEAR
    date = dt.date(int(year), int(month or 1), int(day or 1))
    if precision is None:
        return date, implied
    if precision not in DatePrecision.values:
        raise ValueError(
            f"{precision!r} is not a date precision ({', '.join(DatePrecision.values)})"
        )
    finer = [DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR]
    if precision in finer and finer.index(precision) < finer.index(implied):
        raise ValueError(f"{value!r} does not give a {precision}")
    return date, precision


def format_partial_date(date: dt.date | None, precision: str) -> str:
    if date is None:
        return ""
    if precision == DatePrecision.DAY:
        return date.strftime("%-d %B %Y")
    if precision == DatePrecision.MONTH:
        return date.strftime("%B %Y")
    if precision == DatePrecision.YEAR:
        return str(date.year)
    return f"c. {date.strftime('%B %Y')}"


def period_end(date: dt.date, precision: str) -> dt.date:
    """The last day a partial date can mean, so ranges compare honestly."""
    if precision == DatePrecision.YEAR:
        return dt.date(date.year, 12, 31)
    if precision in (DatePrecision.MONTH, DatePrecision.APPROXIMATE):
        next_month = date.replace(day=28) + dt.timedelta(days=4)
        return next_month - dt.timedelta(days=next_month.day)
    return date
