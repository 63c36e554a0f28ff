"""The daily SMS cap per phone number, against SMS pumping.

Anyone can book with any phone number, so a script could make the service text premium or
foreign numbers at the municipality's expense. The dispatcher therefore sends at most
`BOOKING_SMS_DAILY_CAP` SMS to one applicant number in any 24 hours; a message beyond it is
not sent but marked `dead` with the reason, where staff see it (and can retry it later).
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

    def __init__(self, *, cap: int, sent: dict[str, int]) -> None:
        self.cap = cap
        self._used = dict(sent)

    def take(self, recipient: str) -> str | None:
        """Use one SMS of the number's budget; return why not (the error to record) if spent."""
        if self.cap <= 0:
            return None
        used = self._used.get(recipient, 0)
        if used >= self.cap:
            return f"daily SMS cap: {used} SMS to this number in the last 24 hours"
        self._used[recipient] = used + 1
        return None


def sms_budget(*, recipients: Iterable[str], now: datetime, cap: int) -> SmsBudget:
    """The budget of these numbers: SMS already sent to each in the 24 hours before `now`."""
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
    return SmsBudget(cap=cap, sent={r: int(n) for r, n in db.session.execute(query)})
