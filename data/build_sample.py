"""Rebuild data/sample.json: a 30-person service point of an immigration office, one week in April 2024.

Usage: python data/build_sample.py   (needs ../shared/tools/make_scenario.py beside the project)
The generator's week (seed 1, 30 % of calendar capacity already booked) gets citizen information texts.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
GENERATOR = ROOT.parent.parent / "shared" / "tools" / "make_scenario.py"
INFO = {
    "uebertrag": "Bitte mitbringen: alter und neuer Pass, bisheriger elektronischer Aufenthaltstitel (eAT), "
    "ein aktuelles biometrisches Foto. Der Übertrag dauert etwa 15 Minuten.",
    "eat_ausgabe": "Bitte mitbringen: Pass, Abholschein und PIN-Brief. Die Karte kann nur persönlich abgeholt werden.",
    "verpflichtung": "Bitte mitbringen: Pass oder Personalausweis, Nachweise über Einkommen der letzten "
    "drei Monate, Mietvertrag und Angaben zur eingeladenen Person.",
    "verlust": "Bitte mitbringen: ein Ausweisdokument (falls vorhanden) und die Verlust- oder "
    "Diebstahlsanzeige der Polizei.",
    "nichterloeschen": "Für Aufenthalte im Ausland über sechs Monate. Bitte mitbringen: Pass, eAT und "
    "Nachweis über den Grund des Auslandsaufenthalts.",
    "notfall": "Nur wenn Ihr Aufenthaltstitel in den nächsten 14 Tagen abläuft und Sie keinen Termin "
    "gefunden haben. Bitte Pass und eAT mitbringen.",
}


def main() -> None:
    raw = subprocess.run(
        [
            sys.executable,
            str(GENERATOR),
            "--staff",
            "30",
            "--days",
            "5",
            "--start",
            "2024-04-22",
            "--seed",
            "1",
            "--bookings",
            "0.3",
            "--sittings",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    scenario = json.loads(raw)
    for service in scenario["service_types"]:
        service["info"] = INFO[service["id"]]
    (ROOT / "sample.json").write_text(json.dumps(scenario, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
