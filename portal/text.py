"""Vietnamese text helpers: NFC normalisation and Vietnamese collation (DESIGN.md rule 5)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")

# Base letters in Vietnamese alphabetical order; letters outside it sort after, by code point.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_ORDER = {letter: index for index, letter in enumerate(_ALPHABET)}
# Tone marks, in the order Vietnamese dictionaries use: none, grave, hook, tilde, acute, dot.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# Marks that make a different letter (ă â ê ô ơ ư), as opposed to tones.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}


def nfc(value: str) -> str:
    """Normalise to NFC and strip surrounding whitespace."""
    return unicodedata.normalize("NFC", value).strip()


def nfc_or_empty(value: Any) -> str:
    if value is None:
        return ""
    return nfc(str(value))


def vi_sort_key(value: str) -> tuple[tuple[int, ...], tuple[int, ...], str]:
    """A key that sorts Vietnamese the way a Vietnamese reader expects.

    Primary: letters in Vietnamese order (a < ă < â < b … d < đ …), case-insensitive.
    Secondary: tone marks (none < huyền < hỏi < ngã < sắc < nặng). Last: the text itself.
    """
    primary: list[int] = []
    secondary: list[int] = []
    for char in unicodedata.normalize("NFC", value).lower():
        decomposed = unicodedata.normalize("NFD", char)
        base = decomposed[0]
        marks = decomposed[1:]
        letter_marks = "".join(m for m in marks if m in _LETTER_MARKS)
        tone = next((_TONES[m] for m in marks if m in _TONES), 0)
        letter = unicodedata.normalize("NFC", base + letter_marks)
        if letter in _ORDER:
            primary.append(_ORDER[letter])
        elif char.isspace():
            primary.append(-1)
        else:
            primary.append(100 + ord(letter))
        secondary.append(tone)
    return tuple(primary), tuple(secondary), value


def vi_sorted(items: Iterable[T], key: Callable[[T], str]) -> list[T]:
    return sorted(items, key=lambda item: vi_sort_key(key(item)))
