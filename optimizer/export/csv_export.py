"""CSV export of plans: one row per slot (`csv_export`, bytes).

UTF-8 with a byte order mark and `;` as the default separator, which is what German Excel and
LibreOffice open without an import dialog; CRLF line ends. Every cell goes through `safe_text`,
so no line of a text from input data becomes a formula, and every cell is quoted (the csv module's
`QUOTE_ALL`): a comma, a quote or a line break in a cell then stays inside it whichever of `;` and `,`
a spreadsheet's import dialog splits on. Counters only: staff never appear.

Columns: id, date, start, end, service, [service_name,] counter, channel, release_at, booked,
booking[, overbook_of]. `service_name` appears when names are given (from the scenario), `overbook_of`
when a plan sells slots twice (the id of the regular slot an overbooked slot sits on).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

from ..clock import hhmm
from ..errors import InputError
from ..plan import Plan
from .cells import safe_text

BOM = "\ufeff"


def csv_columns(with_names: bool) -> list[str]:
    cols = ["id", "date", "start", "end", "service", "counter", "channel", "release_at", "booked", "booking"]
    if with_names:
        cols.insert(5, "service_name")
    return cols


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]], sep: str = ";") -> bytes:
    """CSV bytes: UTF-8 with BOM, CRLF, every cell quoted and passed through `safe_text`."""
    if len(sep) != 1 or sep in "\"'\r\n" or sep.isalnum():
        raise InputError(f"--sep: {sep!r} cannot separate CSV columns (use one character such as ';' or ',')")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, quotechar='"', quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([safe_text(c) for c in row] for row in rows)
    return (BOM + buffer.getvalue()).encode("utf-8")


def csv_export(plans: Sequence[Plan], *, names: Mapping[str, str] | None = None, sep: str = ";") -> bytes:
    """The slots of `plans` as CSV bytes, ordered by date, start, counter and id."""
    rows = sorted(
        ((p.office, s) for p in plans for s in p.slots), key=lambda r: (r[1].date, r[1].start, r[1].counter, r[1].id)
    )
    overbooked = any(s.overbook_of for _office, s in rows)
    body = []
    for _office, s in rows:
        cells = [
            s.id,
            s.date.isoformat(),
            hhmm(s.start),
            hhmm(s.end),
            s.service,
            s.counter,
            s.channel,
            s.release_at,
            "true" if s.booking is not None else "false",
            s.booking,
        ]
        if names is not None:
            cells.insert(5, names.get(s.service, s.service))
        if overbooked:
            cells.append(s.overbook_of)
        body.append(cells)
    return write_csv(csv_columns(names is not None) + (["overbook_of"] if overbooked else []), body, sep=sep)
