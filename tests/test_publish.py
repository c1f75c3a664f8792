"""Publishing over real HTTP against the contract server in tests/publish_server.py (a subprocess)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import httpx
import pytest
from publish_server import running_server, silent_server
from test_export import sample_week, week_cache
from typer.testing import CliRunner

from optimizer.cli.main import app
from optimizer.errors import InputError
from optimizer.plan import Plan
from optimizer.publish.client import (
    EXIT_CONFLICTS,
    EXIT_DONE,
    EXIT_REJECTED,
    EXIT_UNREACHABLE,
    SlotClient,
    diff_slots,
    public_slot,
    publish,
    token_from_env,
)

OPENAPI = Path(__file__).resolve().parents[1] / "optimizer" / "publish" / "openapi.yaml"
TOKEN = "tok-3f9c1d7e-publish-secret"
FAST = dict(timeout_s=2.0, attempts=3, backoff_s=0.01, max_backoff_s=0.05)


@pytest.fixture(scope="module")
def server():
    with running_server(TOKEN) as handle:
        yield handle


@pytest.fixture
def srv(server):
    server.reset()
    return server


@pytest.fixture(scope="module")
def plan(request) -> Plan:
    return sample_week(week_cache(request.config))[1][0]


def client_for(url: str, token: str = TOKEN, **options) -> SlotClient:
    return SlotClient(url, token, **(FAST | options))


def changed(plan: Plan) -> tuple[Plan, str, str, str]:
    """The plan with one slot dropped, one moved to another counter and one new.

    Returns (plan, dropped id, moved id, new id)."""
    free = [s for s in plan.slots if s.booking is None]
    dropped, moved = free[0], free[1]
    other = next(s.counter for s in plan.slots if s.counter != moved.counter)
    new = free[2].model_copy(update={"id": free[2].id + "-new"})
    slots = [
        s.model_copy(update={"counter": other}) if s.id == moved.id else s for s in plan.slots if s.id != dropped.id
    ] + [new]
    return plan.model_copy(update={"slots": slots}), dropped.id, moved.id, new.id


def test_first_publish_creates_every_slot_without_staff(srv, plan):
    with client_for(srv.url) as client:
        result = publish(plan, client)
    assert result.exit_code == EXIT_DONE and result.outcome == "done"
    assert result.count("new") == len(plan.slots) == result.writes
    stored = srv.slots(plan.office)
    assert set(stored) == {s.id for s in plan.slots}
    for s in plan.slots:
        assert {k: v for k, v in stored[s.id].items() if k != "booked"} == public_slot(s)
        assert stored[s.id]["booked"] is (s.booking is not None)
        assert "staff" not in stored[s.id]
    assert srv.stats()["staff received"] == 0


def test_second_identical_publish_writes_nothing(srv, plan):
    with client_for(srv.url) as client:
        publish(plan, client)
        before = srv.stats()
        again = publish(plan, client)
    after = srv.stats()
    assert again.exit_code == EXIT_DONE and again.writes == 0
    assert again.count("unchanged") == len(plan.slots)
    assert after["PUT attempts"] == before["PUT attempts"]
    assert after["DELETE attempts"] == before["DELETE attempts"]
    assert after["GET attempts"] == before["GET attempts"] + 1


def test_changed_plan_writes_only_the_diff(srv, plan):
    new_plan, dropped, moved, new = changed(plan)
    with client_for(srv.url) as client:
        publish(plan, client)
        before = srv.stats()
        result = publish(new_plan, client)
    after = srv.stats()
    assert result.exit_code == EXIT_DONE
    assert {(c.kind, c.slot_id) for c in result.changes if c.kind != "unchanged"} == {
        ("withdrawn", dropped),
        ("changed", moved),
        ("new", new),
    }
    assert sorted(result.applied) == sorted([dropped, moved, new])
    assert after["PUT 200"] - before["PUT 200"] == 1 and after["PUT 201"] - before["PUT 201"] == 1
    assert after["DELETE 204"] - before["DELETE 204"] == 1
    assert after["PUT attempts"] - before["PUT attempts"] == 2
    assert set(srv.slots(plan.office)) == {s.id for s in new_plan.slots}
    assert next(c for c in result.changes if c.slot_id == moved).fields_changed == ("counter",)


def test_booked_slot_the_new_plan_drops_is_kept_and_reported(srv, plan, tmp_path):
    new_plan, dropped, _moved, _new = changed(plan)
    with client_for(srv.url) as client:
        publish(plan, client)
        srv.book(plan.office, dropped)  # a citizen books it
        dry = publish(new_plan, client, dry_run=True)
        result = publish(new_plan, client)
    assert dry.writes == 0 and dry.exit_code == EXIT_CONFLICTS
    assert result.exit_code == EXIT_CONFLICTS and result.outcome == "conflicts"
    (kept,) = result.conflicts
    assert kept.slot_id == dropped and kept.booked and "booked" in kept.reason
    assert srv.slots(plan.office)[dropped]["booked"] is True
    assert result.writes == 2  # the other two changes went through
    # the CLI says so and exits 4
    path = tmp_path / "plan.json"
    path.write_text(new_plan.to_json(), encoding="utf-8")
    out = CliRunner().invoke(app, ["publish", str(path), "--to", srv.url], env={"SLOTPLAN_TOKEN": TOKEN})
    assert out.exit_code == EXIT_CONFLICTS, out.output
    assert dropped in out.output and "kept" in out.output


def test_booked_slot_is_never_moved(plan):
    slot = plan.slots[0]
    base = public_slot(slot) | {"booked": True}
    longer = slot.model_copy(update={"end": slot.end + 5})
    other_counter = slot.model_copy(update={"counter": "C99"})
    (c,) = diff_slots([longer], [base])
    assert c.kind == "kept" and "end" in c.reason
    (c,) = diff_slots([other_counter], [base])
    assert c.kind == "changed"  # a booked slot may change its counter


def test_two_503_then_an_answer_succeeds(srv, plan):
    waits: list[float] = []
    srv.fail(503, times=2)
    with client_for(srv.url, sleep=waits.append) as client:
        result = publish(plan, client)
    assert result.exit_code == EXIT_DONE and result.writes == len(plan.slots)
    assert waits == [0.01, 0.02]  # bounded exponential backoff
    assert srv.stats()["GET attempts"] == 3


def test_retries_are_bounded_and_other_4xx_stop_at_once(srv, plan):
    waits: list[float] = []
    srv.fail(503, times=10)
    with client_for(srv.url, sleep=waits.append, attempts=4) as client:
        result = publish(plan, client)
    assert result.exit_code == EXIT_UNREACHABLE and "503" in result.error
    assert waits == [0.01, 0.02, 0.04] and srv.stats()["GET attempts"] == 4
    srv.reset()
    with client_for(srv.url, token="wrong-token", sleep=waits.append) as client:
        result = publish(plan, client)
    assert result.exit_code == EXIT_REJECTED and "401" in result.error
    assert srv.stats()["GET attempts"] == 1


def test_server_that_never_answers_exits_5_within_the_budget(plan, tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(plan.to_json(), encoding="utf-8")
    runner = CliRunner()
    with silent_server() as url:
        started = time.monotonic()
        out = runner.invoke(
            app,
            ["publish", str(path), "--to", url, "--timeout", "0.3", "--attempts", "3", "--backoff", "0.05"],
            env={"SLOTPLAN_TOKEN": TOKEN},
        )
        elapsed = time.monotonic() - started
    assert out.exit_code == EXIT_UNREACHABLE, out.output
    assert "timed out" in out.output
    assert elapsed < 3 * 0.3 + 0.05 + 0.1 + 3.0  # attempts × timeout + waits + slack
    with silent_server() as url:
        pass  # closed again: connection refused
    out = runner.invoke(
        app,
        ["publish", str(path), "--to", url, "--timeout", "0.3", "--attempts", "2", "--backoff", "0.01"],
        env={"SLOTPLAN_TOKEN": TOKEN},
    )
    assert out.exit_code == EXIT_UNREACHABLE and "connection failed" in out.output


def test_token_never_appears_in_output_logs_or_errors(srv, plan, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)  # httpx and httpcore log requests at INFO and DEBUG
    path = tmp_path / "plan.json"
    path.write_text(plan.to_json(), encoding="utf-8")
    new_plan, dropped, _, _ = changed(plan)
    changed_path = tmp_path / "changed.json"
    changed_path.write_text(new_plan.to_json(), encoding="utf-8")
    runner = CliRunner()
    env = {"SLOTPLAN_TOKEN": TOKEN, "MY_TOKEN": TOKEN}

    def run(*args: str, env: dict[str, str] = env):
        return runner.invoke(app, ["publish", *args, "--to", srv.url], env=env)

    outputs = [run(str(path), "--token-env", "MY_TOKEN"), run(str(path), "--dry-run", "--show-unchanged")]
    srv.book(plan.office, dropped)
    outputs.append(run(str(changed_path)))
    srv.fail(503, times=2)
    outputs.append(run(str(path), "--attempts", "2", "--backoff", "0"))
    outputs.append(run(str(path), env={"SLOTPLAN_TOKEN": "x" + TOKEN}))
    assert [o.exit_code for o in outputs] == [EXIT_DONE, EXIT_DONE, EXIT_CONFLICTS, EXIT_UNREACHABLE, EXIT_REJECTED]
    assert any("HTTP Request" in r.getMessage() for r in caplog.records)  # the logs were captured
    for o in outputs:
        assert TOKEN not in o.output and (o.exception is None or TOKEN not in repr(o.exception))
    assert TOKEN not in caplog.text
    client = client_for(srv.url)
    assert TOKEN not in repr(client) and TOKEN not in repr(client._http.auth)
    assert TOKEN not in str(vars(client))
    client.close()


def test_server_text_echoing_the_token_is_scrubbed(plan):
    def echo(request: httpx.Request) -> httpx.Response:
        echoed = request.headers["authorization"]
        return httpx.Response(400, json={"error": "invalid", "message": f"bad {echoed}"})

    with SlotClient("http://booking.example", TOKEN, transport=httpx.MockTransport(echo)) as client:
        result = publish(plan, client)
    assert result.exit_code == EXIT_REJECTED and "***" in result.error and TOKEN not in result.error


def test_missing_token_and_bad_url_are_input_errors(plan, tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(plan.to_json(), encoding="utf-8")
    runner = CliRunner()
    out = runner.invoke(app, ["publish", str(path), "--to", "http://127.0.0.1:9"], env={"SLOTPLAN_TOKEN": ""})
    assert out.exit_code == 2 and "SLOTPLAN_TOKEN" in out.output
    out = runner.invoke(app, ["publish", str(path), "--to", "ftp://x"], env={"SLOTPLAN_TOKEN": TOKEN})
    assert out.exit_code == 2
    with pytest.raises(InputError):
        SlotClient("http://user:pw@host", TOKEN)
    with pytest.raises(InputError):
        token_from_env("NO_SUCH_VARIABLE_HOPEFULLY", environ={})


def test_dry_run_writes_nothing(srv, plan):
    with client_for(srv.url) as client:
        result = publish(plan, client, dry_run=True)
    assert result.exit_code == EXIT_DONE and result.count("new") == len(plan.slots) and result.writes == 0
    assert srv.slots(plan.office) == {} and srv.stats()["PUT attempts"] == 0


def test_server_answers_follow_the_openapi_contract(srv, plan):
    yaml = pytest.importorskip("yaml")
    from jsonschema import Draft202012Validator

    spec = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    assert {m for p in spec["paths"].values() for m in p if m != "parameters"} == {"get", "put", "delete", "post"}

    def validator(name: str) -> Draft202012Validator:
        return Draft202012Validator({**spec, "$ref": f"#/components/schemas/{name}"})

    with client_for(srv.url) as client:
        publish(plan, client)
    listing = httpx.get(
        f"{srv.url}/v1/offices/{plan.office}/slots",
        params={"date": plan.date.isoformat()},
        headers={"Authorization": f"Bearer {TOKEN}"},
    ).json()
    validator("SlotList").validate(listing)
    for s in plan.slots[:5]:
        validator("SlotInput").validate(public_slot(s))
    refused = httpx.get(f"{srv.url}/v1/offices/{plan.office}/slots", params={"date": "2024-04-22"})
    assert refused.status_code == 401
    validator("Error").validate(refused.json())
