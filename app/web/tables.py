"""A figure's table: the columns as the page shows them, its rows and total, and the same as CSV or XLSX.

The page and the download are made from one Table, so the download holds exactly what the table shows: the same
columns under the same Danish headings, the same rows and the total row, with amounts as exact numbers (a
decimal point in CSV, numbers formatted with two decimals in XLSX) and shares in per cent with one decimal."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fastapi import Response

from app.core import tabular
from app.core.tabular import OutputFormat

TOTAL_LABEL = "I alt"


def percent(value: Decimal | None) -> Decimal | None:
    """A share (0.9512) as per cent with one decimal (95.1), as the tables show it."""
    if value is None:
        return None
    return (Decimal(value) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Column:
    key: str
    heading: str
    kind: str = "text"  # text | money | percent | int | yesno

    @property
    def numeric(self) -> bool:
        return self.kind in ("money", "percent", "int")

    def cell(self, row: dict[str, Any]) -> Any:
        """The value as downloaded: Decimal money, per cent, int, Ja/Nej or text."""
        value = row.get(self.key)
        if self.kind == "percent":
            return percent(value)
        if self.kind == "yesno":
            return "Ja" if value else "Nej"
        return value


@dataclass
class Table:
    name: str  # file name stem of the download
    caption: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    total: dict[str, Any] | None = None
    # The figure's chart, when it has one (app/web/charts.py)
    chart: Any = None
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def cells(self, row: dict[str, Any]) -> list[tuple[Column, Any]]:
        return [(c, c.cell(row)) for c in self.columns]

    def download_rows(self) -> list[dict[str, Any]]:
        return [{c.heading: c.cell(r) for c in self.columns} for r in self.rows]

    def download_total(self) -> dict[str, Any] | None:
        return None if self.total is None else {c.heading: c.cell(self.total) for c in self.columns}

    def download(self, fmt: OutputFormat) -> Response:
        body, media_type, filename = tabular.render(
            fmt, [c.heading for c in self.columns], self.download_rows(), name=self.name, total=self.download_total()
        )
        return Response(
            body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )
