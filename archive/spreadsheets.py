"""CSV that spreadsheets open safely, written a row at a time (the audit log's and a
collection export's CSV files)."""

import csv


class _Echo:
    """A file-like object whose write returns the line, so csv.writer yields rows as text."""

    def write(self, value: str) -> str:
        return value


def row_writer():
    """A csv.writer whose writerow returns the formatted line instead of writing it."""
    return csv.writer(_Echo())


def csv_cell(value):
    """Spreadsheets run a cell starting with = + - @ tab or CR as a formula; such cells, and
    cells starting with an apostrophe, get one leading apostrophe, so removing exactly one
    leading apostrophe from any cell that has one gives the text back (docs/exports.md)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r", "'"):
        return "'" + value
    return value
