"""The daily SMS cap per phone number, against SMS pumping.

Anyone can book with any phone number, so a script could make the service text premium or
foreign numbers at the municipality's expense. The dispatcher therefore sends at most
`BOOKING_SMS_DAILY_CAP` SMS to one applicant number in any 24 hours; a message beyond it is
not sent but marked `dead` with the reason, where staff see it (and can retry it later).

Several workers send at once, so the budget counts what other workers are sending right now
(rows `sending` under another claim) as well as what was sent, in row order: a message is
within the cap when the SMS sent to its number, plus those in flight with a lower id, plus
those this batch already let through, are fewer than the cap. Two workers thus agree on which
of their messages go out, and the cap holds however many run.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select

from booking.extensions import db
from booking.notifications.models import Notification

WINDOW = timedelta(hours=24)


class SmsBudget:
    """How many more SMS each number may be sent, counted down as a batch is prepared."""

    def __init__(
        self, *, cap: int, sent: dict[str, int], in_flight: dict[str, list[int]] | None = None
    ) -> None:
        self.cap = cap
        self._sent = dict(sent)
        self._in_flight = in_flight or {}
        self._taken: dict[str, int] = {}

    def take(self, recipient: str, row_id: int) -> str | None:
        """Use one SMS of the number's budget for row `row_id`; return why not if spent."""
        if self.cap <= 0:
            return None
        ahead = sum(1 for other in self._in_flight.get(recipient, ()) if other < row_id)
        used = self._sent.get(recipient, 0) + ahead + self._taken.get(recipient, 0)
        if used >= self.cap:
            return f"daily SMS cap: {used} SMS to this number in the last 24 hours"
        self._taken[recipient] = self._taken.get(recipient, 0) + 1
        return None


def sms_budget(
    *, recipients: Iterable[str], now: datetime, cap: int, claimed: Iterable[int] = ()
) -> SmsBudget:
    """The budget of these numbers: SMS sent to each in the 24 hours before `now`, and those
    other workers are sending (not the rows of `claimed`, this batch's own)."""
    wanted = sorted(set(recipients))
    if cap <= 0 or not wanted:
        return SmsBudget(cap=cap, sent={})
    query = (
        select(Notification.recipient, func.count())
        .where(
            Notification.channel == "sms",
            Notification.status == "sent",
            Notification.sent_at > now - WINDOW,
            Notification.recipient.in_(wanted),
        )
        .group_by(Notification.recipient)
    )
    sent = {r: int(n) for r, n in db.session.execute(query)}
    own = list(claimed)
    flying = select(Notification.recipient, Notification.id).where(
        Notification.channel == "sms",
        Notification.status == "sending",
        Notification.recipient.in_(wanted),
    )
    if own:
        flying = flying.where(Notification.id.not_in(own))
    in_flight: dict[str, list[int]] = {}
    for recipient, row_id in db.session.execute(flying):
        in_flight.setdefault(recipient, []).append(row_id)
    return SmsBudget(cap=cap, sent=sent, in_flight=in_flight)
