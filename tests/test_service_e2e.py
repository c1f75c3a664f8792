"""End to end: the citizen page in headless Chromium; plan → publish → book → re-plan → re-publish.

Both run `slotplan serve` (and `slotplan plan` / `slotplan publish`) as the processes they are. The
browser test needs Debian's chromium at /usr/bin/chromium and the playwright package (never a
downloaded browser); it is skipped when either is missing. Screenshots go to the test's tmp folder,
or to $SLOTPLAN_SCREENSHOTS when set.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from service_support import (
    DAY,
    OFFICE,
    SAMPLE,
    TOKEN,
    ServiceProcess,
    active_bookings,
    auth,
    publish_slots,
    slot,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
CODE = re.compile(r"^[A-Za-z0-9_-]{22,}$")

CONTRAST_JS = """
(selector) => {
  function rgb(text) { const m = text.match(/[\\d.]+/g).map(Number); return m.length > 3 ? m : [...m, 1]; }
  function background(el) {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c[3] > 0) return c;
    }
    return [255, 255, 255, 1];
  }
  return [...document.querySelectorAll(selector)].map(el => ({
    text: el.textContent.trim().slice(0, 40), color: rgb(getComputedStyle(el).color),
    background: background(el)}));
}
"""


def luminance(color: list[float]) -> float:
    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in color[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: list[float], b: list[float]) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def slotplan(*args: str, env: dict[str, str] | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimizer", *args], capture_output=True, text=True,
                          check=False, timeout=timeout, env={**os.environ, **(env or {})})


def screenshots_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SLOTPLAN_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")
def test_citizen_books_uebertrag_in_chromium(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    shots = screenshots_dir(tmp_path)
    staff_names = [p["name"] for p in json.loads(SAMPLE.read_text(encoding="utf-8"))["staff"]]
    with ServiceProcess(tmp_path / "page.sqlite3", cli=True).start(now=f"{DAY}T07:00") as server:
        times = ["07:30", "07:45", "08:00", "08:15", "09:00", "09:30", "11:15"]
        slots = [slot(t, counter=f"C0{i % 5 + 1}", staff=staff_names[i]) for i, t in enumerate(times)]
        slots += [slot("10:15", n=2, channel="same_day", release_at=f"{DAY}T10:00:00"),
                  slot("08:00", date="2024-04-23"), slot("09:00", service="eat_ausgabe", minutes=10)]
        assert set(publish_slots(server.url, slots)) == {201}
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
            try:
                page = browser.new_page(viewport={"width": 1000, "height": 900}, locale="de-DE")
                page.goto(server.url + "/")
                assert page.url.endswith(f"/termine/{OFFICE}")
                assert page.locator("html").get_attribute("lang") == "de"
                page.keyboard.press("Tab")  # the first stop is the skip link, and it shows itself
                skip = page.locator(":focus")
                assert skip.inner_text() == "Zum Inhalt springen" and skip.is_visible()
                box = skip.bounding_box()
                assert box is not None and box["x"] >= 0 and box["y"] >= 0
                page.keyboard.press("Enter")
                assert page.url.endswith("#inhalt")

                page.get_by_role("link", name=re.compile("Übertrag")).click()
                heading = page.get_by_role("heading", name=re.compile("Übertrag eAT auf neuen Pass"))
                assert heading.is_visible()
                assert page.get_by_text("alter und neuer Pass").is_visible()  # the info text: what to bring
                assert page.get_by_text("Heute, Montag, 22. April 2024").is_visible()
                assert page.get_by_text("Morgen, Dienstag, 23. April 2024").is_visible()
                assert page.get_by_label("10:15–10:30").count() == 0  # same-day slot not yet released
                body = page.locator("body").inner_text()
                assert not any(name in body for name in staff_names)

                # accessibility basics: every form control has a label, text has enough contrast
                unlabeled = page.evaluate(
                    "() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
                    ".filter(e => e.labels.length === 0).map(e => e.name)")
                assert unlabeled == []
                texts = "p, label, legend, h1, h2, a, button, .slot span, dt, dd"
                for item in page.evaluate(CONTRAST_JS, texts):
                    assert contrast(item["color"], item["background"]) >= 4.5, item
                page.screenshot(path=str(shots / "service-1-anliegen.png"), full_page=True)

                # book with the keyboard: choose the time, fill in name and e-mail, submit with Enter
                page.get_by_label("08:00–08:15").first.focus()
                page.keyboard.press("Space")
                assert page.get_by_label("08:00–08:15").first.is_checked()
                page.get_by_label("Vor- und Nachname").fill("Anna Beispiel")
                page.get_by_label("E-Mail-Adresse").fill("anna@example.org")
                page.keyboard.press("Tab")
                focused = page.locator(":focus")
                assert focused.inner_text() == "Termin verbindlich buchen"
                outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle + ' ' + "
                                        "getComputedStyle(document.activeElement).boxShadow")
                assert outline != "none none"  # the focus is visible
                page.screenshot(path=str(shots / "service-2-formular.png"), full_page=True)
                page.keyboard.press("Enter")

                page.get_by_role("heading", name="Ihr Termin ist gebucht").wait_for()
                code = page.locator("#bestaetigungscode").inner_text().strip()
                assert CODE.match(code)
                assert page.get_by_text("08:00 bis 08:15 Uhr").is_visible()
                page.screenshot(path=str(shots / "service-3-bestaetigung.png"), full_page=True)
                for item in page.evaluate(CONTRAST_JS, "h1, p, strong, dt, dd, a"):
                    assert contrast(item["color"], item["background"]) >= 4.5, item

                # the same code works in the JSON API, and the slot is gone from the page
                with httpx.Client(base_url=server.url) as http:
                    seen = http.get(f"/v1/bookings/{code}").json()
                assert seen["status"] == "active" and seen["start"] == "08:00" and seen["date"] == DAY
                page.goto(f"{server.url}/termine/{OFFICE}?anliegen=uebertrag")
                assert page.get_by_label("08:00–08:15").count() == 1  # only tomorrow's 08:00 is left

                # look the booking up and cancel it
                page.get_by_role("link", name="Meine Buchung ansehen oder absagen").click()
                page.get_by_label("Bestätigungscode").fill(code)
                page.get_by_role("button", name="Buchung anzeigen").click()
                page.get_by_role("button", name="Termin absagen").click()
                page.get_by_role("heading", name="Ihr Termin ist abgesagt").wait_for()
                page.screenshot(path=str(shots / "service-4-abgesagt.png"), full_page=True)
            finally:
                browser.close()
        assert active_bookings(server.db_path) == []


def test_plan_publish_book_replan_republish_keeps_both_bookings(tmp_path):
    env = {"SLOTPLAN_TOKEN": TOKEN}
    # the first plan is solved while the service starts
    planning = subprocess.Popen([sys.executable, "-m", "optimizer", "plan", str(SAMPLE), "--date", DAY,
                                 "--time-limit", "15", "--out", str(tmp_path / "plan1")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    with ServiceProcess(tmp_path / "loop.sqlite3", cli=True).start(now=f"{DAY}T07:00") as server:
        _, errors = planning.communicate(timeout=120)
        assert planning.returncode == 0, errors
        plan_path = tmp_path / "plan1" / f"{OFFICE}_{DAY}.json"
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        published = slotplan("publish", str(plan_path), "--to", server.url, env=env)
        assert published.returncode == 0, published.stdout + published.stderr
        assert TOKEN not in published.stdout + published.stderr

        # two citizens book: an Übertrag and an eAT pick-up
        codes = {}
        with httpx.Client(base_url=server.url) as http:
            for service, who in (("uebertrag", "anna"), ("eat_ausgabe", "bora")):
                free = http.get(f"/v1/offices/{OFFICE}/available",
                                params={"date": DAY, "service": service}).json()
                chosen = free[len(free) // 2]
                response = http.post(f"/v1/offices/{OFFICE}/bookings",
                                     json={"slot": chosen["id"], "name": who.title(),
                                           "email": f"{who}@example.org"})
                assert response.status_code == 201, response.text
                codes[response.json()["code"]] = chosen
            office_view = http.get(f"/v1/offices/{OFFICE}/slots", params={"date": DAY}, headers=auth()).json()
        chosen_ids = {c["id"] for c in codes.values()}
        booked_now = {s["id"]: s for s in office_view["slots"] if s["id"] in chosen_ids}
        assert all(s["booked"] for s in booked_now.values())

        # the office re-plans: the person who was to serve the Übertrag is absent, and the two new
        # bookings go into the scenario's bookings, as the office would enter them
        scenario = json.loads(SAMPLE.read_text(encoding="utf-8"))
        changed = copy.deepcopy(scenario)
        uebertrag_id = next(c["id"] for c in codes.values() if c["service"] == "uebertrag")
        absent = next(s["staff"] for s in plan["slots"] if s["id"] == uebertrag_id)
        changed["availability"] = [a for a in changed["availability"]
                                   if not (a["staff"] == absent and a["date"] == DAY)]
        assert len(changed["availability"]) < len(scenario["availability"])
        for i, s in enumerate(booked_now.values(), start=1):
            changed["bookings"].append({"id": f"W{i:04d}", "date": DAY, "start": s["start"],
                                        "service": s["service"], "counter": s["counter"]})
        changed_path = tmp_path / "changed.json"
        changed_path.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
        second = slotplan("plan", str(changed_path), "--date", DAY, "--time-limit", "15", "--out",
                          str(tmp_path / "plan2"))
        assert second.returncode == 0, second.stderr
        plan2 = json.loads((tmp_path / "plan2" / f"{OFFICE}_{DAY}.json").read_text(encoding="utf-8"))
        assert all(s["staff"] != absent for s in plan2["slots"])

        plan2_path = tmp_path / "plan2" / f"{OFFICE}_{DAY}.json"
        again = slotplan("publish", str(plan2_path), "--to", server.url, env=env)
        # 0 when the new plan keeps the booked slots' ids; 4 when it drops or moves one (kept and reported)
        assert again.returncode in (0, 4), again.stdout + again.stderr

        with httpx.Client(base_url=server.url) as http:
            after = {s["id"]: s for s in http.get(f"/v1/offices/{OFFICE}/slots", params={"date": DAY},
                                                  headers=auth()).json()["slots"]}
            for code, chosen in codes.items():
                seen = http.get(f"/v1/bookings/{code}").json()
                assert seen["status"] == "active"
                assert (seen["slot"], seen["start"], seen["end"], seen["service"]) == \
                    (chosen["id"], chosen["start"], chosen["end"], chosen["service"])
                kept = after[chosen["id"]]
                assert kept["booked"] and (kept["start"], kept["end"], kept["service"]) == \
                    (chosen["start"], chosen["end"], chosen["service"])
        # the rest of the new plan is published; the old plan's unbooked leftovers are withdrawn
        new_ids = {s["id"] for s in plan2["slots"]}
        assert new_ids <= set(after)
        assert {i for i in set(after) - new_ids if not after[i]["booked"]} == set()
        assert len(active_bookings(server.db_path)) == 2
        if again.returncode == 4:
            assert "kept" in again.stdout + again.stderr
