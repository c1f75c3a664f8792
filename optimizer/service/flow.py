"""A citizen's booking from request to confirmation: proof of work, a pending hold, the mail with the
confirmation link, and after confirmation the mail with the code and the ICS file.

The JSON API and the pages both go through `BookingFlow`, so they keep the same rules.
"""

from __future__ import annotations

import logging
from typing import Any

from .challenge import check_solution
from .mail import Appointment, Mailer, MailError, appointment_uid, confirm_request_text, confirmed_text, ics
from .settings import Settings
from .store import Confirmation, Pending, ServiceError, Store

log = logging.getLogger("slotplan.service")


class BookingFlow:
    def __init__(self, store: Store, settings: Settings, mailer: Mailer):
        self.store, self.settings, self.mailer = store, settings, mailer

    def appointment(self, booking: Pending | Confirmation, uid: str) -> Appointment:
        info = self.settings.office(booking.office)
        return Appointment(
            office_id=info.id,
            office_name=info.name,
            timezone=info.timezone,
            service_name=info.service(booking.service).name,
            date=booking.date,
            start=booking.start,
            end=booking.end,
            uid=uid,
        )

    def request(self, office: str, form: Any, base_url: str) -> Pending:
        """Check the solved challenge, hold the slot, mail the confirmation link. `form` has slot, name,
        email, document and altcha. 503 when no mail can be sent (the hold is dropped again)."""
        if not self.mailer.configured:
            raise ServiceError(
                503, "unavailable", "booking needs e-mail confirmation, and no mail server is configured"
            )
        check_solution(self.store, office, form.altcha)
        pending = self.store.book(office, form.slot, form.name, form.email, form.document)
        link = f"{(self.settings.mail.public_url or base_url).rstrip('/')}/bestaetigen/{pending.token}"
        try:
            self.mailer.send(
                form.email.strip(),
                "Bitte bestätigen Sie Ihren Termin",
                confirm_request_text(self.appointment(pending, ""), link, pending.hold_until),
            )
        except MailError as err:
            log.warning("confirmation mail not sent: %s", err)
            self.store.drop_pending(pending.booking_id)
            raise ServiceError(
                503,
                "unavailable",
                "the confirmation e-mail could not be sent; please try again later",
                {"Retry-After": "60"},
            ) from None
        return pending

    def confirm(self, token: str) -> Confirmation:
        """Confirm with the token from the link; mail the code and the ICS file (a failure is only logged:
        the booking stands and the page shows the code)."""
        done = self.store.confirm(token)
        appointment = self.appointment(done, appointment_uid())
        try:
            self.mailer.send(
                done.email, "Ihr Termin ist bestätigt", confirmed_text(appointment, done.code), ics(appointment)
            )
        except MailError as err:
            log.warning("confirmed-booking mail not sent: %s", err)
        return done
