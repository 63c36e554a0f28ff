"""The GSM 03.38 alphabet: membership, septet counts, segments and making text GSM-7."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.core.gsm7 import (
    BASIC,
    EXTENSION,
    fits_single_sms,
    is_gsm7,
    septet_count,
    sms_segments,
    to_gsm7,
)

SETTINGS = settings(database=None, max_examples=300, deadline=None)

gsm_text = st.text(alphabet=sorted(BASIC | EXTENSION), max_size=400)


def test_the_alphabet_has_the_sizes_of_the_standard() -> None:
    # 128 code points minus the escape to the extension table; 10 extension characters.
    assert len(BASIC) == 127
    assert len(EXTENSION) == 10
    assert not BASIC & EXTENSION
    assert "\x1b" not in BASIC


@pytest.mark.parametrize(
    "text",
    [
        "Åsa Öberg, Älvdalen: åäö ÅÄÖ é É ü Ü ñ Ñ à ø Ø æ Æ ß",
        "Ref K7QM-4XPR. Ändra/avboka: https://bokning.example.se/m/ab_CD-12?x=1&y=2",
        "@£$¥ èéùìò Ç ΔΦΓΛΩΠΨΣΘΞ ¤ ¡ ¿ § \n\r",
        "€ [ ] { } \\ ^ ~ | \f",
    ],
)
def test_swedish_and_other_gsm_text_is_gsm7(text: str) -> None:
    assert is_gsm7(text)


@pytest.mark.parametrize(
    "char",
    ["’", "“", "”", "–", "—", "…", "\u00a0", "ë", "ô", "ç", "ł", "`", "\t", "🏠", "中"],
)
def test_typographic_and_foreign_characters_are_not_gsm7(char: str) -> None:
    assert not is_gsm7(f"Hej {char} då")
    with pytest.raises(ValueError, match="not a GSM-7 character"):
        septet_count(char)


def test_extension_characters_take_two_septets() -> None:
    assert septet_count("") == 0
    assert septet_count("Åsa") == 3
    assert septet_count("€") == 2
    assert septet_count("a[b]c") == 7
    assert septet_count("Pris: 10 €") == 11


@pytest.mark.parametrize(
    ("text", "fits"),
    [
        ("a" * 160, True),
        ("a" * 161, False),
        ("å" * 160, True),
        ("€" * 80, True),
        ("€" * 80 + "a", False),
        ("a" * 159 + "€", False),  # 161 septets in 160 characters
        ("ł", False),  # UCS-2, however short
    ],
)
def test_fits_single_sms_counts_septets_not_characters(text: str, fits: bool) -> None:
    assert fits_single_sms(text) is fits


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        # The escape pair does not fit in the first segment's last septet: it moves whole.
        ("a" * 152 + "€" + "a" * 152, 3),
        ("ł" * 70, 1),
        ("ł" * 71, 2),
        ("ł" * 134, 2),
        ("ł" * 135, 3),
        ("🏠" * 35, 1),  # 70 UTF-16 units
        ("🏠" * 36, 2),
        ("a" * 150 + "’", 3),  # one curly apostrophe turns 151 characters into UCS-2
    ],
)
def test_sms_segments(text: str, segments: int) -> None:
    assert sms_segments(text) == segments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Åsa Öberg", "Åsa Öberg"),
        ("Café Ñandú über", "Café Ñandu über"),  # é Ñ ü are GSM-7, ú is not
        ("Zoë Brontë", "Zoe Bronte"),
        ("François Côté", "Francois Coté"),
        ("“Bygglov” – ‘snart’…", "\"Bygglov\" - 'snart'..."),
        ("kl.\u00a010:00\u202f", "kl. 10:00 "),
        ("Łukasz", "Łukasz"),  # no GSM-7 base letter: left for UCS-2 rather than garbled
    ],
)
def test_to_gsm7(text: str, expected: str) -> None:
    assert to_gsm7(text) == expected


@SETTINGS
@given(gsm_text)
def test_gsm_text_is_left_alone_and_counted_within_bounds(text: str) -> None:
    assert to_gsm7(text) == text
    count = septet_count(text)
    assert len(text) <= count <= 2 * len(text)
    assert fits_single_sms(text) is (count <= 160)
    assert (sms_segments(text) == 1) is (count <= 160)


@SETTINGS
@given(st.text(max_size=60))
def test_to_gsm7_is_idempotent_and_never_adds_foreign_characters(text: str) -> None:
    once = to_gsm7(text)
    assert to_gsm7(once) == once
    foreign_before = {char for char in text if not is_gsm7(char)}
    assert {char for char in once if not is_gsm7(char)} <= foreign_before
