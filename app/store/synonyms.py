"""A pack's `synonyms:` applied at install time: each card holding a word the pack lists gets
the words people use for it in its own indexed column, so searching "snip" finds the cards
about screenshots as if they said "snip" too.

Done when the pack is installed (never per search), so search costs nothing more. A word
matches as the index reads it (case and accents aside), with a plural -s or -es as well;
a phrase ("save as") matches those words in that order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from app.store.search import index_words

_PLURALS = ("", "s", "es")
# At most this much text is added to one card, the words first in the map first: a card that
# holds many listed words still costs the index a bounded amount.
MAX_ADDED_CHARS = 2000


@dataclass(frozen=True, slots=True)
class _Entry:
    """One word (or phrase) the cards use and the text its synonyms add to a card."""

    firsts: frozenset[str]  # what the first word may be (plurals too, for a single word)
    phrases: tuple[str, ...]  # " a b " forms of a phrase, plurals of its last word; () for a word
    adds: str


class SynonymTable:
    """A pack's synonyms, ready to expand each of its cards' text."""

    def __init__(self, synonyms: Mapping[str, Sequence[str]]) -> None:
        self._entries: list[_Entry] = []
        for word, said in synonyms.items():
            words = index_words(word)
            if not words or not said:
                continue
            adds = " ".join(said)
            if len(words) == 1:
                firsts = frozenset(words[0] + end for end in _PLURALS)
                self._entries.append(_Entry(firsts, (), adds))
            else:
                stem = " ".join(words)
                phrases = tuple(f" {stem}{end} " for end in _PLURALS)
                self._entries.append(_Entry(frozenset({words[0]}), phrases, adds))

    def __bool__(self) -> bool:
        return bool(self._entries)

    def expand(self, texts: Iterable[str]) -> str:
        """The synonyms (space-separated) of every listed word found in a card's `texts`."""
        if not self._entries:
            return ""
        words = index_words(" ".join(texts))
        present = set(words)
        spaced: str | None = None
        found: list[str] = []
        room = MAX_ADDED_CHARS
        for entry in self._entries:
            if present.isdisjoint(entry.firsts) or len(entry.adds) > room:
                continue
            if entry.phrases:
                if spaced is None:
                    spaced = f" {' '.join(words)} "
                if not any(phrase in spaced for phrase in entry.phrases):
                    continue
            found.append(entry.adds)
            room -= len(entry.adds) + 1
        return " ".join(found)
