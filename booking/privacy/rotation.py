"""Key rotation: re-encrypt every stored secret under the current key (`flask keys rotate`).

Two kinds: sole traders' personal identity numbers (bookings and call-backs not yet
anonymised) and officers' calendar-source passwords. Each value is passed through the kind's
key ring (`MultiFernet.rotate`: opened with whichever configured key fits, sealed again with the
current one; booking/crypto.py). A value no configured key opens is counted `unreadable` and
left exactly as it is: it may still open with a key the operator has yet to list, and deleting
it would lose data for good.

The work goes through each table in id order, one committed transaction per batch, so neither a
long lock nor one huge transaction is needed. Each UPDATE names the ciphertext it read, so a
value changed in the meantime (set again, anonymised) is left to its writer and not counted.
Neither a plaintext nor a ciphertext is ever printed or logged; one audit row holds the counts.
A second run rotates again (a Fernet token is new every time), which is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from cryptography.fernet import InvalidToken, MultiFernet
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import InstrumentedAttribute

from booking.audit import service as audit
from booking.bookings.models import Booking
from booking.calendar.credentials import password_key_ring
from booking.calendar.models import CalendarSource
from booking.callbacks.models import Callback
from booking.clock import now
from booking.db import write_intent
from booking.extensions import db
from booking.privacy.identity_numbers import identity_key_ring

log = logging.getLogger(__name__)


@dataclass
class KindCounts:
    """What one run did with one kind of secret."""

    rotated: int = 0
    unreadable: int = 0


@dataclass
class RotationCounts:
    """What one run did, by kind of secret."""

    identity_numbers: KindCounts = field(default_factory=KindCounts)
    calendar_passwords: KindCounts = field(default_factory=KindCounts)

    def as_dict(self) -> dict[str, dict[str, int]]:
        """The counts as plain data (the audit row's details)."""
        return asdict(self)


def rotate_keys(*, config: Mapping[str, Any], batch_size: int = 1000) -> RotationCounts:
    """Re-encrypt all stored identity numbers and calendar passwords under the current keys.

    Commits once per batch and writes one audit row with the counts.
    """
    counts = RotationCounts()
    # Built once per run: each needs HKDF per configured secret.
    identity_ring = identity_key_ring(config)
    password_ring = password_key_ring(config)
    for model in (Booking, Callback):
        _rotate_column(
            model.id,
            model.identity_number_ciphertext,
            (model.anonymised_at.is_(None),),
            ring=identity_ring,
            counts=counts.identity_numbers,
            batch_size=batch_size,
        )
    _rotate_column(
        CalendarSource.id,
        CalendarSource.password_ciphertext,
        (),
        ring=password_ring,
        counts=counts.calendar_passwords,
        batch_size=batch_size,
    )
    with write_intent():
        audit.record(
            action="keys.rotate",
            object_type="keys",
            object_id=now().date().isoformat(),
            details=counts.as_dict(),
            actor=audit.SYSTEM,
        )
        db.session.commit()
    for kind, kind_counts in asdict(counts).items():
        log.info(
            "keys rotated: %s %d rotated, %d unreadable",
            kind,
            kind_counts["rotated"],
            kind_counts["unreadable"],
        )
    return counts


def _rotate_column(
    id_column: InstrumentedAttribute[int],
    column: InstrumentedAttribute[str | None],
    conditions: tuple[ColumnElement[bool], ...],
    *,
    ring: MultiFernet,
    counts: KindCounts,
    batch_size: int,
) -> None:
    last_id = 0
    while True:
        with write_intent():
            rows = db.session.execute(
                select(id_column, column)
                .where(id_column > last_id, column.is_not(None), *conditions)
                .order_by(id_column)
                .limit(batch_size)
            ).all()
            for row_id, ciphertext in rows:
                try:
                    fresh = ring.rotate(ciphertext.encode("ascii")).decode("ascii")
                except (InvalidToken, ValueError):
                    counts.unreadable += 1
                    continue
                result = db.session.execute(
                    update(id_column.class_)
                    .where(id_column == row_id, column == ciphertext, *conditions)
                    .values({column: fresh})
                    .execution_options(synchronize_session=False)
                )
                counts.rotated += int(result.rowcount or 0)
            db.session.commit()
        if len(rows) < batch_size:
            return
        last_id = rows[-1][0]
