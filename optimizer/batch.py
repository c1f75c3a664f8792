"""Many office-days in parallel: a process pool on one machine, or Ray on a cluster.

An office-day (one scenario, one date) is an independent job. Each job plans its day with the chosen
strategy, writes the plan atomically to `OUT/<office>_<date>.json` and returns a small `JobResult`.
A job never raises: bad input, an infeasible day or any crash becomes its result's `outcome`, so one
failing office never stops the others. A worker process that dies (killed, out of memory) breaks a
process pool; the jobs that were in flight are then re-run one by one in fresh pools, so only the job
that really kills its worker is reported as a crash.

This module never prints; the CLI (`slotplan plan DIR --jobs N`, or its alias `slotplan batch`) shows
progress through the `on_result` callback.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import socket
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .atomic import write_atomic
from .day.solution import SolveOptions
from .errors import InfeasibleError, InputError
from .io.readers import WORKBOOK_SUFFIXES, load_any_scenario
from .plan import plan_filename
from .scenario import Scenario
from .strategies import CP_SAT, STRATEGIES, plan_with_strategy

if TYPE_CHECKING:
    from ray import ObjectRef

Outcome = Literal["ok", "input", "infeasible", "crash"]
Executor = Literal["process", "ray"]
EXECUTORS: tuple[str, ...] = ("process", "ray")
SEVERITY: tuple[Outcome, ...] = ("ok", "input", "infeasible", "crash")
"""Outcomes from best to worst: the batch's exit code is that of its worst outcome."""
EXIT_CODES: dict[str, int] = {"ok": 0, "input": 2, "infeasible": 3, "crash": 1}
SCENARIO_SUFFIXES = (".json", *WORKBOOK_SUFFIXES)
SUMMARY_FILE = "batch-summary.json"
WORKER_DIED = "the worker process died (killed, or out of memory)"


@dataclass(frozen=True)
class Job:
    """One office-day to plan. The scenario travels beside it (shared per office under Ray)."""

    key: int
    source: str
    """The scenario file, as given (for reports)."""
    date: dt.date
    out: str
    strategy: str
    options: SolveOptions


@dataclass(frozen=True)
class JobResult:
    """What became of one office-day: small and picklable."""

    source: str
    office: str | None
    date: dt.date | None
    outcome: Outcome
    message: str = ""
    status: str | None = None
    strategy: str | None = None
    weighted_served: float | None = None
    bound: float | None = None
    gap: float | None = None
    slots: int | None = None
    rebook: int | None = None
    seconds: float = 0.0
    """Wall time of the job inside its worker (planning and writing)."""
    path: str | None = None
    worker: str = ""
    """host:pid of the process that ran the job."""

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]

    def to_json_dict(self) -> dict:
        out = asdict(self)
        out["date"] = self.date.isoformat() if self.date else None
        return out


@dataclass
class BatchReport:
    results: list[JobResult] = field(default_factory=list)
    seconds: float = 0.0
    jobs: int = 1
    executor: str = "process"

    @property
    def exit_code(self) -> int:
        worst = max((SEVERITY.index(r.outcome) for r in self.results), default=0)
        return EXIT_CODES[SEVERITY[worst]]

    def counts(self) -> dict[str, int]:
        return {o: sum(1 for r in self.results if r.outcome == o) for o in SEVERITY}

    def to_json_dict(self) -> dict:
        return {
            "seconds": round(self.seconds, 3),
            "jobs": self.jobs,
            "executor": self.executor,
            "exit_code": self.exit_code,
            "counts": self.counts(),
            "results": [r.to_json_dict() for r in self.results],
        }


@dataclass(frozen=True)
class BatchOptions:
    out: Path
    strategy: str = CP_SAT
    solve: SolveOptions = field(default_factory=SolveOptions)
    jobs: int = 1
    executor: Executor = "process"
    ray_address: str | None = None


ResultFn = Callable[[JobResult], None]


# ---------------------------------------------------------------- input


def find_scenarios(path: Path, exclude: Path | None = None) -> list[Path]:
    """The scenario files of a folder (one per office: *.json, *.xlsx), or the one file given."""
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_file():
        return [path]
    skip = exclude.resolve() if exclude is not None else None
    found = []
    for p in sorted(path.iterdir()):
        if not p.is_file() or p.name.startswith((".", "~$")) or p.suffix.lower() not in SCENARIO_SUFFIXES:
            continue
        if skip is not None and (p.resolve().parent == skip or skip in p.resolve().parents):
            continue
        found.append(p)
    if not found:
        raise InputError(f"{path}: no scenario files (*.json, *.xlsx) in this folder")
    return found


def office_dates(scenario: Scenario, first: dt.date | None, last: dt.date | None) -> list[dt.date]:
    """first..last, or every date the scenario mentions when no date is given."""
    if first is None:
        return scenario.dates()
    last = last or first
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


@dataclass
class _Office:
    source: str
    scenario: Scenario
    dates: list[dt.date]


def load_offices(
    paths: Sequence[Path], first: dt.date | None, last: dt.date | None
) -> tuple[list[_Office], list[JobResult]]:
    """Load and validate every scenario; a bad one becomes an `input` result instead of stopping the batch."""
    offices: list[_Office] = []
    failed: list[JobResult] = []
    seen: dict[str, str] = {}
    for path in paths:
        source = str(path)
        try:
            scenario = load_any_scenario(path)
        except InputError as err:
            failed.append(JobResult(source, None, first, "input", "; ".join(err.problems)))
            continue
        except Exception as err:
            failed.append(JobResult(source, None, first, "crash", _describe(err)))
            continue
        office = scenario.office.id
        if office in seen:
            failed.append(
                JobResult(
                    source,
                    office,
                    first,
                    "input",
                    f"office.id: '{office}' is also the office of {seen[office]}; "
                    "their plans would overwrite each other",
                )
            )
            continue
        seen[office] = source
        dates = office_dates(scenario, first, last)
        if not dates:
            failed.append(
                JobResult(
                    source, office, None, "input", "scenario: no dates in availability, demand or bookings; give --date"
                )
            )
            continue
        offices.append(_Office(source, scenario, dates))
    return offices, failed


# ---------------------------------------------------------------- one job


def _describe(err: BaseException) -> str:
    where = traceback.extract_tb(err.__traceback__)
    place = f" (at {Path(where[-1].filename).name}:{where[-1].lineno})" if where else ""
    return f"{type(err).__name__}: {err}{place}"


def run_job(job: Job, scenario: Scenario) -> JobResult:
    """Plan one office-day and write its plan atomically. Never raises: failures are outcomes."""
    began = time.monotonic()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    office = scenario.office.id
    base: dict[str, Any] = {
        "source": job.source,
        "office": office,
        "date": job.date,
        "strategy": job.strategy,
        "worker": worker,
    }
    try:
        plan = plan_with_strategy(scenario, job.date, job.options, job.strategy)
        path = write_atomic(Path(job.out) / plan_filename(office, job.date), plan.to_json())
    except InputError as err:
        return JobResult(**base, outcome="input", message="; ".join(err.problems), seconds=time.monotonic() - began)
    except InfeasibleError as err:
        return JobResult(**base, outcome="infeasible", message="; ".join(err.reasons), seconds=time.monotonic() - began)
    except Exception as err:
        return JobResult(**base, outcome="crash", message=_describe(err), seconds=time.monotonic() - began)
    return JobResult(
        **base,
        outcome="ok",
        status=plan.status,
        weighted_served=plan.kpis["weighted_served"],
        bound=plan.solver.bound,
        gap=plan.solver.gap,
        slots=len(plan.slots),
        rebook=len(plan.rebook),
        seconds=time.monotonic() - began,
        path=str(path),
    )


def _crashed(job: Job, office: str, message: str) -> JobResult:
    return JobResult(job.source, office, job.date, "crash", message, strategy=job.strategy)


# ---------------------------------------------------------------- executors

Task = tuple[Job, Scenario]


def _run_process(tasks: Sequence[Task], jobs: int, emit: ResultFn) -> None:
    """A spawn-context process pool with at most `jobs` office-days in flight."""
    context = multiprocessing.get_context("spawn")
    queue: deque[Task] = deque(tasks)
    suspects: deque[Task] = deque()
    while queue or suspects:
        if suspects:  # after a worker died: run each job that was in flight alone, to find the culprit
            job, scenario = task = suspects.popleft()
            with ProcessPoolExecutor(1, mp_context=context) as pool:
                try:
                    emit(pool.submit(run_job, *task).result())
                except BrokenProcessPool:
                    emit(_crashed(job, scenario.office.id, WORKER_DIED))
                except Exception as err:
                    emit(_crashed(job, scenario.office.id, _describe(err)))
            continue
        with ProcessPoolExecutor(jobs, mp_context=context) as pool:
            running: dict[Future[JobResult], Task] = {}
            broken = False
            while (queue or running) and not broken:
                while queue and len(running) < jobs:
                    task = queue.popleft()
                    try:
                        running[pool.submit(run_job, *task)] = task
                    except BrokenProcessPool:
                        queue.appendleft(task)
                        broken = True
                        break
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    task = running.pop(future)
                    try:
                        emit(future.result())
                    except BrokenProcessPool:
                        broken = True
                        suspects.append(task)
                    except Exception as err:
                        emit(_crashed(task[0], task[1].office.id, _describe(err)))
            for future, task in running.items():
                if future.done() and future.exception() is None:
                    emit(future.result())
                else:
                    suspects.append(task)


def _run_ray(tasks: Sequence[Task], jobs: int, address: str | None, emit: ResultFn) -> None:
    """The same jobs as Ray tasks: on the cluster at `address`, or on a local Ray started here.

    Each task asks Ray for as many CPUs as CP-SAT gets workers; at most `jobs` run at a time. A scenario
    is put into Ray's object store once per office and shared by that office's days.
    """
    try:
        import ray
    except ImportError:
        raise InputError("--executor ray: Ray is not installed (pip install 'slotplan[cluster]')") from None
    started = False
    if not ray.is_initialized():
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            workers = max((job.options.workers for job, _ in tasks), default=1)
            ray.init(num_cpus=max(1, jobs) * workers, include_dashboard=False, log_to_driver=False)
        started = True
    try:
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        remote = ray.remote(max_retries=1)(run_job)
        refs: dict[str, ObjectRef[Scenario]] = {}
        queue: deque[Task] = deque(tasks)
        running: dict[object, Task] = {}
        while queue or running:
            while queue and len(running) < jobs:
                job, scenario = task = queue.popleft()
                if job.source not in refs:
                    refs[job.source] = ray.put(scenario)
                need = min(job.options.workers, cpus) if job.strategy == CP_SAT else 1
                running[remote.options(num_cpus=need).remote(job, refs[job.source])] = task
            done, _ = ray.wait(list(running), num_returns=1)
            for ref in done:
                job, scenario = running.pop(ref)
                try:
                    emit(ray.get(ref))
                except Exception as err:
                    emit(_crashed(job, scenario.office.id, _describe(err).splitlines()[0]))
    finally:
        if started:
            ray.shutdown()


# ---------------------------------------------------------------- the batch


def run_batch(
    path: Path,
    options: BatchOptions,
    first: dt.date | None = None,
    last: dt.date | None = None,
    on_result: ResultFn | None = None,
    on_start: Callable[[int], None] | None = None,
) -> BatchReport:
    """Plan every office-day of a scenario file or a folder of scenarios, `options.jobs` at a time.

    Raises `InputError` only for problems of the whole batch (no such path, no scenarios, bad options);
    a bad office is a result. `on_start(n)` is told the number of office-days before any runs.
    """
    if options.jobs < 1:
        raise InputError("--jobs must be >= 1")
    if options.executor not in EXECUTORS:
        raise InputError(f"--executor: {options.executor!r} is not one of {', '.join(EXECUTORS)}")
    if options.strategy not in STRATEGIES:
        raise InputError(f"--strategy: {options.strategy!r} is not one of {', '.join(STRATEGIES)}")
    if first is not None and last is not None and last < first:
        raise InputError(f"--to: {last} is before --date {first}")
    began = time.monotonic()
    report = BatchReport(jobs=options.jobs, executor=options.executor)
    offices, failed = load_offices(find_scenarios(path, exclude=options.out), first, last)
    tasks: list[Task] = []
    for office in offices:
        for date in office.dates:
            job = Job(len(tasks), office.source, date, str(options.out), options.strategy, options.solve)
            tasks.append((job, office.scenario))
    if on_start:
        on_start(len(tasks) + len(failed))

    def emit(result: JobResult) -> None:
        report.results.append(result)
        if on_result:
            on_result(result)

    for result in failed:
        emit(result)
    if tasks:
        if options.executor == "ray":
            _run_ray(tasks, options.jobs, options.ray_address, emit)
        else:
            _run_process(tasks, options.jobs, emit)
    report.results.sort(key=lambda r: (r.source, r.date or dt.date.min))
    report.seconds = time.monotonic() - began
    return report


def default_workers(jobs: int) -> int:
    """CP-SAT threads per office-day when not given: 2 for a single job, 1 when jobs run side by side."""
    return 2 if jobs <= 1 else 1


def plans_of(report: BatchReport) -> Iterable[Path]:
    """The plan files a batch wrote."""
    return (Path(r.path) for r in report.results if r.path)
