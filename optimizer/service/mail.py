"""Mails to citizens over SMTP (`smtplib`), with the appointment as an iCalendar attachment (`icalendar`).

Two mails per booking: the request to confirm (a link to a page that confirms with a POST, because
mail scanners follow GET links) and, once confirmed, the confirmation with the code and an ICS file.
Texts are German, like the citizen pages. Configuration: `MailSettings` (environment).
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from icalendar import Calendar, Event

from .clock import zone
from .settings import MailSettings

TIMEOUT_S = 10.0


class MailError(Exception):
    """The mail could not be handed to the SMTP server."""


@dataclass(frozen=True)
class Appointment:
    office_id: str
    office_name: str
    timezone: str
    service_name: str
    date: dt.date
    start: str
    end: str
    uid: str


def ics(appointment: Appointment) -> bytes:
    """The appointment as an iCalendar file (one VEVENT in the office's time zone)."""
    tz = zone(appointment.timezone)

    def moment(hhmm: str) -> dt.datetime:
        return dt.datetime.combine(appointment.date, dt.time(int(hhmm[:2]), int(hhmm[3:5])), tzinfo=tz)

    calendar = Calendar()
    calendar.add("prodid", "-//slotplan//Terminbuchung//DE")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{appointment.uid}@{appointment.office_id}")
    event.add("dtstamp", dt.datetime.now(dt.UTC))
    event.add("dtstart", moment(appointment.start))
    event.add("dtend", moment(appointment.end))
    event.add("summary", f"{appointment.service_name} – {appointment.office_name}")
    event.add("location", appointment.office_name)
    event.add("description", "Bitte bringen Sie Ihren Bestätigungscode und Ihr Ausweisdokument mit.")
    calendar.add_component(event)
    return calendar.to_ical()


def appointment_uid() -> str:
    return uuid.uuid4().hex


class Mailer:
    """Sends mails through the configured SMTP server; `MailError` when that fails."""

    def __init__(self, settings: MailSettings):
        self.settings = settings

    @property
    def configured(self) -> bool:
        return self.settings.host is not None

    def send(self, to: str, subject: str, text: str, attachment: bytes | None = None) -> None:
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
        message["Message-ID"] = make_msgid(domain=self.settings.sender.partition("@")[2] or None)
        message.set_content(text)
        if attachment is not None:
            message.add_attachment(
                attachment, maintype="text", subtype="calendar", filename="termin.ics", params={"method": "PUBLISH"}
            )
        host = self.settings.host
        if host is None:
            raise MailError("no SMTP server is configured")
        try:
            with smtplib.SMTP(host, self.settings.port, timeout=TIMEOUT_S) as smtp:
                if self.settings.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.settings.user:
                    smtp.login(self.settings.user, self.settings.password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as err:
            raise MailError(f"SMTP {host}:{self.settings.port}: {type(err).__name__}") from None


def confirm_request_text(appointment: Appointment, link: str, hold_until: dt.datetime) -> str:
    return (
        f"Guten Tag,\n\nSie haben einen Termin angefragt:\n\n"
        f"  {appointment.service_name}\n  {appointment.date:%d.%m.%Y}, {appointment.start} bis "
        f"{appointment.end} Uhr\n  {appointment.office_name}\n\n"
        f"Bitte bestätigen Sie den Termin bis {hold_until:%H:%M} Uhr über diesen Link:\n\n  {link}\n\n"
        "Ohne Bestätigung verfällt die Reservierung und der Termin wird wieder frei.\n"
        "Wenn Sie keinen Termin angefragt haben, müssen Sie nichts tun.\n"
    )


def confirmed_text(appointment: Appointment, code: str) -> str:
    return (
        f"Guten Tag,\n\nIhr Termin ist bestätigt:\n\n"
        f"  {appointment.service_name}\n  {appointment.date:%d.%m.%Y}, {appointment.start} bis "
        f"{appointment.end} Uhr\n  {appointment.office_name}\n\n"
        f"Ihr Bestätigungscode: {code}\n\n"
        "Bringen Sie bitte das Ausweisdokument mit, dessen Nummer Sie bei der Buchung angegeben haben.\n"
        "Absagen können Sie mit dem Code auf der Seite „Meine Buchung“. Den Termin finden Sie auch im\n"
        "Anhang (termin.ics) für Ihren Kalender.\n"
    )
