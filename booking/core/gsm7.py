"""The GSM 03.38 7-bit SMS alphabet: is a text GSM-7, how many septets and SMS segments it takes.

A GSM-7 text fits 160 septets in one SMS; a single character outside the alphabet switches the
whole message to UCS-2, where one SMS holds only 70 characters. Characters of the extension table
(``€ [ ] { } \\ ^ ~ |`` and form feed) are sent as an escape plus the character: two septets.
"""

from __future__ import annotations

import unicodedata

__all__ = [
    "BASIC",
    "EXTENSION",
    "SINGLE_SMS_SEPTETS",
    "SINGLE_SMS_UCS2_UNITS",
    "fits_single_sms",
    "is_gsm7",
    "septet_count",
    "sms_segments",
    "to_gsm7",
]

# The basic character set in code order, without 0x1B (the escape to the extension table).
BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE_SMS_SEPTETS = 160
SINGLE_SMS_UCS2_UNITS = 70
# A concatenated SMS spends part of each segment on the user data header.
_SEGMENT_SEPTETS = 153
_SEGMENT_UCS2_UNITS = 67

# Typographic characters that word processors and people's names bring in, and the plain
# characters they stand for; without this one curly apostrophe would make the SMS UCS-2.
_REPLACEMENTS = {
    "\u2018": "'",  # ‘
    "\u2019": "'",  # ’
    "\u201a": "'",  # ‚
    "\u2032": "'",  # ′
    "\u00b4": "'",  # ´
    "`": "'",
    "\u201c": '"',  # “
    "\u201d": '"',  # ”
    "\u201e": '"',  # „
    "\u2033": '"',  # ″
    "\u00ab": '"',  # «
    "\u00bb": '"',  # »
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2015": "-",  # horizontal bar
    "\u2212": "-",  # minus sign
    "\u2026": "...",  # …
    "\u00a0": " ",  # no-break space
    "\u2007": " ",  # figure space
    "\u2009": " ",  # thin space
    "\u202f": " ",  # narrow no-break space (CLDR puts it in some time formats)
    "\t": " ",
}


def is_gsm7(text: str) -> bool:
    """Return True when every character of ``text`` is in the GSM 03.38 basic or extension set."""
    return all(char in BASIC or char in EXTENSION for char in text)


def septet_count(text: str) -> int:
    """Return the septets ``text`` takes in GSM-7 (extension characters count two).

    Raises:
        ValueError: ``text`` has a character outside GSM-7 (it would be sent as UCS-2).
    """
    count = 0
    for char in text:
        if char in BASIC:
            count += 1
        elif char in EXTENSION:
            count += 2
        else:
            raise ValueError(f"not a GSM-7 character: U+{ord(char):04X}")
    return count


def fits_single_sms(text: str) -> bool:
    """Return True when ``text`` is GSM-7 and at most 160 septets: one SMS, no concatenation."""
    return is_gsm7(text) and septet_count(text) <= SINGLE_SMS_SEPTETS


def sms_segments(text: str) -> int:
    """Return how many SMS segments ``text`` is sent as (GSM-7 when possible, else UCS-2).

    An escape pair (GSM-7) or a surrogate pair (UCS-2) is never split across two segments, so a
    segment may hold one unit less than its nominal size.
    """
    if is_gsm7(text):
        units = [2 if char in EXTENSION else 1 for char in text]
        single, per_segment = SINGLE_SMS_SEPTETS, _SEGMENT_SEPTETS
    else:
        units = [2 if ord(char) > 0xFFFF else 1 for char in text]
        single, per_segment = SINGLE_SMS_UCS2_UNITS, _SEGMENT_UCS2_UNITS
    if sum(units) <= single:
        return 1
    segments, used = 1, 0
    for size in units:
        if used + size > per_segment:
            segments += 1
            used = 0
        used += size
    return segments


def to_gsm7(text: str) -> str:
    """Return ``text`` with typographic punctuation made plain and foreign accents dropped.

    Characters that are GSM-7 already (å ä ö é ü ñ …) are kept as they are; an accented letter
    outside the alphabet (ë, ô, ç) becomes its base letter when that is GSM-7. Anything else
    (ł, emoji, CJK) is left alone: the message is then sent as UCS-2 rather than garbled.
    """
    result: list[str] = []
    for char in text:
        if char in BASIC or char in EXTENSION:
            result.append(char)
            continue
        replacement = _REPLACEMENTS.get(char)
        if replacement is not None:
            result.append(replacement)
            continue
        base = "".join(
            part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part)
        )
        result.append(base if base and is_gsm7(base) else char)
    return "".join(result)
