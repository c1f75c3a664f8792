"""The Curtois & Qu shift-scheduling benchmark format: reader into `RosterProblem`, writer of rosters.

A file has sections `SECTION_HORIZON`, `SECTION_SHIFTS`, `SECTION_STAFF`, `SECTION_DAYS_OFF`,
`SECTION_SHIFT_ON_REQUESTS`, `SECTION_SHIFT_OFF_REQUESTS` and `SECTION_COVER` of comma-separated rows;
`#` starts a comment line. Every instance starts on a Monday. A roster is written as CSV lines
`employee,day,shift`, one per worked shift, under that header.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..atomic import write_atomic
from ..errors import InputError
from .problem import Cover, Employee, Request, Roster, RosterProblem, ShiftType

SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)
REQUIRED = ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF")

T = TypeVar("T")


def read_curtois(path: str | Path) -> RosterProblem:
    """Read one benchmark instance; raises `InputError` naming the file and line of every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text file (UTF-8)") from None
    return parse_curtois(text, str(path), name=path.stem)


def parse_curtois(text: str, source: str = "<text>", name: str = "") -> RosterProblem:
    """Parse the text of an instance; `source` names it in error messages."""
    problems: list[str] = []
    rows: dict[str, list[tuple[int, list[str]]]] = {s: [] for s in SECTIONS}
    section: str | None = None
    unknown_section = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            unknown_section = line not in rows
            if unknown_section:
                problems.append(f"{source}:{number}: unknown section '{line}'")
            section = None if unknown_section else line
            continue
        if section is None:
            if not unknown_section:  # rows under an unknown section were reported with it
                problems.append(f"{source}:{number}: data before the first section")
            continue
        rows[section].append((number, [p.strip() for p in line.split(",")]))
    for required in REQUIRED:
        if not rows[required]:
            problems.append(f"{source}: section {required} is missing or empty")
    if problems:
        raise InputError(problems)

    def field(number: int, value: str, what: str, convert: Callable[[str], T]) -> T | None:
        try:
            return convert(value)
        except ValueError:
            problems.append(f"{source}:{number}: {what} '{value}' is not a whole number")
            return None

    def need(number: int, row: list[str], low: int, high: int, what: str) -> bool:
        if not low <= len(row) <= high:
            expected = str(low) if low == high else f"{low} to {high}"
            problems.append(f"{source}:{number}: {what} needs {expected} fields, got {len(row)}")
            return False
        return True

    def nonneg(v: str) -> int:
        i = int(v)
        if i < 0:
            raise ValueError(v)
        return i

    number, row = rows["SECTION_HORIZON"][0]
    days = field(number, row[0], "horizon", nonneg) if need(number, row, 1, 1, "horizon") else None
    if days == 0:
        problems.append(f"{source}:{number}: horizon must be at least one day")
    horizon = days or 0

    shifts: dict[str, tuple[int, int, list[str]]] = {}
    for number, row in rows["SECTION_SHIFTS"]:
        if not need(number, row, 2, 3, "a shift"):
            continue
        if row[0] in shifts:
            problems.append(f"{source}:{number}: shift '{row[0]}' defined twice")
        minutes = field(number, row[1], "shift length", nonneg)
        successors = [s.strip() for s in row[2].split("|") if s.strip()] if len(row) > 2 else []
        shifts[row[0]] = (number, minutes or 0, successors)
    for sid, (number, _m, successors) in shifts.items():
        for t in successors:
            if t not in shifts:
                problems.append(f"{source}:{number}: shift '{sid}' names unknown successor '{t}'")

    staff: dict[str, dict] = {}
    for number, row in rows["SECTION_STAFF"]:
        if not need(number, row, 8, 8, "a staff row"):
            continue
        if row[0] in staff:
            problems.append(f"{source}:{number}: employee '{row[0]}' defined twice")
        limits: dict[str, int] = {}
        for item in (i.strip() for i in row[1].split("|")):
            if not item:
                continue
            sid, eq, count = item.partition("=")
            if not eq or sid not in shifts:
                problems.append(f"{source}:{number}: max shifts '{item}' is not SHIFT=N with a known shift")
                continue
            value = field(number, count, f"max shifts of {sid}", nonneg)
            if value is not None:
                limits[sid] = value
        values = [
            field(number, v, what, nonneg)
            for v, what in zip(
                row[2:],
                (
                    "max total minutes",
                    "min total minutes",
                    "max consecutive shifts",
                    "min consecutive shifts",
                    "min consecutive days off",
                    "max weekends",
                ),
            )
        ]
        if None in values:
            continue
        max_min, min_min, max_cons, min_cons, min_off, max_wk = values
        staff[row[0]] = {
            "id": row[0],
            "max_shifts": limits,
            "max_minutes": max_min,
            "min_minutes": min_min,
            "max_consecutive": max_cons,
            "min_consecutive": max(1, min_cons or 0),
            "min_days_off": max(1, min_off or 0),
            "max_weekends": max_wk,
            "days_off": set(),
        }

    def day_of(number: int, value: str) -> int | None:
        d = field(number, value, "day", nonneg)
        if d is not None and horizon and d >= horizon:
            problems.append(f"{source}:{number}: day {d} is outside the horizon 0..{horizon - 1}")
            return None
        return d

    def employee_of(number: int, value: str) -> bool:
        if value not in staff:
            problems.append(f"{source}:{number}: unknown employee '{value}'")
            return False
        return True

    def shift_of(number: int, value: str) -> bool:
        if value not in shifts:
            problems.append(f"{source}:{number}: unknown shift '{value}'")
            return False
        return True

    for number, row in rows["SECTION_DAYS_OFF"]:
        if not employee_of(number, row[0]):
            continue
        for cell in row[1:]:
            if cell:
                d = day_of(number, cell)
                if d is not None:
                    staff[row[0]]["days_off"].add(d)

    requests: list[Request] = []
    for section, on in (("SECTION_SHIFT_ON_REQUESTS", True), ("SECTION_SHIFT_OFF_REQUESTS", False)):
        for number, row in rows[section]:
            if not need(number, row, 4, 4, "a request") or not employee_of(number, row[0]):
                continue
            d, weight = day_of(number, row[1]), field(number, row[3], "weight", nonneg)
            if shift_of(number, row[2]) and d is not None and weight is not None:
                requests.append(Request(row[0], d, row[2], weight, on))

    cover: list[Cover] = []
    seen_cover: set[tuple[int, str]] = set()
    for number, row in rows["SECTION_COVER"]:
        if not need(number, row, 5, 5, "a cover row"):
            continue
        d = day_of(number, row[0])
        req, under, over = (
            field(number, v, w, nonneg) for v, w in zip(row[2:], ("requirement", "weight for under", "weight for over"))
        )
        if shift_of(number, row[1]) and d is not None and req is not None and under is not None and over is not None:
            if (d, row[1]) in seen_cover:
                problems.append(f"{source}:{number}: cover for day {d} shift {row[1]} given twice")
            seen_cover.add((d, row[1]))
            cover.append(Cover(d, row[1], req, under, over))

    if problems:
        raise InputError(problems)
    return RosterProblem(
        days=horizon,
        shifts=tuple(ShiftType(sid, m, frozenset(succ)) for sid, (_n, m, succ) in shifts.items()),
        employees=tuple(Employee(**{**e, "days_off": frozenset(e["days_off"])}) for e in staff.values()),
        requests=tuple(requests),
        cover=tuple(cover),
        first_weekday=0,
        name=name,
    )


def roster_csv(problem: RosterProblem, roster: Roster) -> str:
    """The roster as `employee,day,shift` lines (header first), in employee then day order."""
    order = {e.id: i for i, e in enumerate(problem.employees)}
    lines = ["employee,day,shift"]
    for (emp, day), shift in sorted(roster.items(), key=lambda kv: (order.get(kv[0][0], 0), kv[0][1])):
        lines.append(f"{emp},{day},{shift}")
    return "\n".join(lines) + "\n"


def write_roster_csv(path: str | Path, problem: RosterProblem, roster: Roster) -> Path:
    """Write the roster CSV atomically."""
    return write_atomic(path, roster_csv(problem, roster))
