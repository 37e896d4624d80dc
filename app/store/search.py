"""Turning what a person types into safe FTS5 queries, and correcting typos from the index.

No user text ever reaches FTS5 as syntax: queries are split into words the way the index's
unicode61 tokenizer splits them, and every word is sent quoted. Operators such as AND, NEAR,
`-`, `*`, quotes and parentheses become plain words or separators.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.core.stopwords import significant

# Words beyond this many are ignored: nobody types more into a palette, and it bounds the cost.
MAX_TOKENS = 12
# A word longer than this is cut (unicode61 would index it whole, but nobody types one).
MAX_TOKEN_CHARS = 64
# Typo tolerance (edit distance) by word length; shorter words are never corrected.
TYPO_MIN_CHARS = 4
TYPO_TWO_EDITS_CHARS = 8
# Corrections kept per unknown word, best first.
MAX_CORRECTIONS = 3
# A prefix with at most this many completions is searched as those words (see terms()).
MAX_EXPANSION = 16
# Catalogs from this many cards on treat very common words specially (see Word); below it,
# every word is scored by bm25 as it is, which is cheap there.
LARGE_CATALOG = 2000
# Prefix lengths with their own FTS5 prefix index (migration 1: prefix = '2 3 4 5').
INDEXED_PREFIX_LENGTHS = frozenset({2, 3, 4, 5})

# unicode61 treats letters and digits as parts of words and spaces, punctuation (`_` too) and
# symbols such as emoji as separators. It also keeps private-use characters in words, which
# this pattern leaves out: the catalog's app tokens start with one, so no query can reach them.
_WORD = re.compile(r"[^\W_]+")
# Sorts after every character a word can hold: word + this bounds the words with that prefix.
_AFTER_EVERY_CHAR = "\U0010ffff"


@dataclass(frozen=True, slots=True)
class Query:
    """The words of a query, lower-cased, and whether the last one is still being typed."""

    tokens: tuple[str, ...]
    last_is_prefix: bool

    def is_prefix(self, index: int) -> bool:
        return self.last_is_prefix and index == len(self.tokens) - 1


def parse_query(text: str) -> Query:
    """Split typed text into words; the last word is a prefix unless a separator follows it.

    Repeated words count once; words past MAX_TOKENS are ignored.
    """
    text = unicodedata.normalize("NFKC", text.replace("\x00", " "))
    tokens: list[str] = []
    last = ""
    for match in _WORD.finditer(text):
        last = fold(match.group())[:MAX_TOKEN_CHARS]
        if last and last not in tokens:
            tokens.append(last)
    kept = tokens[:MAX_TOKENS]
    still_typing = bool(kept) and kept[-1] == last and bool(_WORD.match(text[-1:]))
    return Query(tuple(kept), still_typing)


def index_words(text: str) -> list[str]:
    """Every word of `text` as the index splits and folds it, in order, repeats kept."""
    folded = text.lower() if text.isascii() else fold(unicodedata.normalize("NFKC", text))
    return _WORD.findall(folded)


def without_stop_words(query: Query) -> Query:
    """The query's significant words (see core.stopwords); the last one stays a prefix only if
    it is still there."""
    kept = significant(query.tokens)
    return Query(kept, query.last_is_prefix and kept[-1:] == query.tokens[-1:])


def fold(word: str) -> str:
    """Lower-case and strip diacritics, as the index's `remove_diacritics 2` does."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def quoted(token: str, prefix: bool = False) -> str:
    """One FTS5 string: double quotes doubled inside, `*` after it for a prefix query."""
    text = '"' + token.replace('"', '""') + '"'
    return text + "*" if prefix else text


def every_group(groups: Sequence[Sequence[str]]) -> str:
    """FTS5 expression: each group (one typed word) matches through one of its strings."""
    return " AND ".join(f"({' OR '.join(group)})" for group in groups if group)


def any_group(groups: Sequence[Sequence[str]]) -> str:
    """FTS5 expression: any string of any group matches."""
    return " OR ".join(part for group in groups for part in group)


def max_edits(word: str) -> int:
    """How many typos a word may carry: none below 4 letters, 1 up to 7, 2 from 8."""
    if len(word) < TYPO_MIN_CHARS or not word.isalpha():
        return 0
    return 2 if len(word) >= TYPO_TWO_EDITS_CHARS else 1


@dataclass(frozen=True, slots=True)
class Word:
    """What one typed word becomes: FTS5 strings that may stand for it (none: nothing can)
    and an upper bound of the cards it matches.

    In a large catalog a word is `common` when it is in more than half the cards: bm25's idf is
    zero there, so it cannot rank anything, yet scoring it reads its whole (long) doclist.
    """

    strings: tuple[str, ...]
    matches: int
    common: bool = False


@dataclass(frozen=True, slots=True)
class Expression:
    """What one search pass asks FTS5: `text` must match (at most `matches` cards) and bm25
    scores `scoring`, the informative part of it (None when no word is informative)."""

    text: str
    matches: int
    scoring: str | None


@dataclass(frozen=True, slots=True)
class WordGroups:
    """The typed words as the index sees them, and the expressions searched for them."""

    words: tuple[Word, ...]

    @property
    def usable(self) -> int:
        """How many words can match at all."""
        return sum(1 for word in self.words if word.strings)

    def every(self) -> Expression:
        """Every usable word must match; only the informative ones are scored."""
        kept = [word for word in self.words if word.strings]
        informative = [word for word in kept if not word.common]
        return Expression(
            every_group([word.strings for word in kept]),
            min((word.matches for word in kept), default=0),
            every_group([word.strings for word in informative]) if informative else None,
        )

    def any(self) -> Expression:
        """Any word may match; common words are left out when informative ones remain (they
        would add no score, only most of the catalog)."""
        kept = [word for word in self.words if word.strings]
        informative = [word for word in kept if not word.common]
        chosen = informative or kept
        text = any_group([word.strings for word in chosen])
        bound = sum(word.matches for word in chosen)
        return Expression(text, bound, text if informative else None)


class Vocabulary:
    """The index's words (from the fts5vocab table) with their document counts.

    Answers "is this word (or prefix) in the index?" by binary search, lists a prefix's
    completions, and proposes corrections for unknown words with rapidfuzz's OSA distance
    (a swap of two neighbouring letters is one typo), looking only at words of nearby length.
    """

    def __init__(self, rows: Iterable[tuple[str, int]], documents: int) -> None:
        self.documents = documents
        pairs = sorted(rows)
        self._terms = [term for term, _ in pairs]
        self._docs = [docs for _, docs in pairs]
        self._docs_before = [0, *itertools.accumulate(self._docs)]
        self._lengths: dict[int, list[str]] | None = None
        self._prefixes: dict[int, list[str]] = {}

    @property
    def _by_length(self) -> dict[int, list[str]]:
        """Correction candidates by length, grouped at the first typo (or `warm`): a search
        without one, as most `cuecards search` processes are, never pays for it."""
        if self._lengths is None:
            self._lengths = {}
            for term in self._terms:
                # Only words a person types are correction candidates (not the catalog's app
                # tokens, which start with a private-use character).
                if term.isalpha() and _WORD.fullmatch(term):
                    self._lengths.setdefault(len(term), []).append(term)
        return self._lengths

    def warm(self) -> None:
        """Group the correction candidates now, for a long-lived process while it is idle."""
        _ = self._by_length

    def __len__(self) -> int:
        return len(self._terms)

    def knows(self, word: str, prefix: bool = False) -> bool:
        """True when the index holds the word (or, for a prefix, a word starting with it)."""
        i = bisect.bisect_left(self._terms, word)
        if i == len(self._terms):
            return False
        found = self._terms[i]
        return found.startswith(word) if prefix else found == word

    def matches(self, word: str, prefix: bool) -> int:
        """Upper bound of the cards a word (or every word with this prefix) appears in."""
        start = bisect.bisect_left(self._terms, word)
        if not prefix:
            found = start < len(self._terms) and self._terms[start] == word
            return self._docs[start] if found else 0
        end = bisect.bisect_left(self._terms, word + _AFTER_EVERY_CHAR, lo=start)
        return self._docs_before[end] - self._docs_before[start]

    def completions(self, prefix: str, most: int) -> list[str] | None:
        """Indexed words starting with `prefix`, or None when there are more than `most`."""
        start = bisect.bisect_left(self._terms, prefix)
        found: list[str] = []
        for term in self._terms[start : start + most + 1]:
            if not term.startswith(prefix):
                break
            found.append(term)
        return None if len(found) > most else found

    def terms(self, word: str, prefix: bool) -> list[tuple[str, bool]]:
        """(text, is prefix) pairs that stand for an indexed word or prefix.

        A prefix of an indexed length reads one doclist. Otherwise FTS5 merges every
        completion's doclist up front (costly for common words), so a prefix with few
        completions becomes an OR of those words, which is walked lazily and only as far as
        the rank window needs.
        """
        if not prefix or len(word) in INDEXED_PREFIX_LENGTHS:
            return [(word, prefix)]
        expanded = self.completions(word, MAX_EXPANSION)
        return [(term, False) for term in expanded] if expanded else [(word, True)]

    def groups(self, query: Query) -> WordGroups:
        """Per typed word its strings; an unknown word is replaced by its corrections."""
        words: list[Word] = []
        for i, token in enumerate(query.tokens):
            prefix = query.is_prefix(i)
            if self.knows(token, prefix):
                words.append(self._word(self.terms(token, prefix)))
                continue
            alternatives: list[tuple[str, bool]] = []
            for word in self.corrections(token, prefix):
                alternatives.extend(t for t in self.terms(word, prefix) if t not in alternatives)
            words.append(self._word(alternatives))
        return WordGroups(tuple(words))

    def _word(self, terms: Sequence[tuple[str, bool]]) -> Word:
        """A word's FTS5 strings with its match bound and how common it is."""
        strings = tuple(quoted(text, prefix) for text, prefix in terms)
        counts = [self.matches(text, prefix) for text, prefix in terms]
        bound = sum(counts)
        if self.documents < LARGE_CATALOG:
            return Word(strings, bound)
        # The word matches at least its most frequent term's cards; a prefix query may match
        # up to the sum of its completions' cards.
        surely = max(counts, default=0)
        has_prefix = any(prefix for _, prefix in terms)
        half = self.documents / 2
        return Word(strings, bound, surely > half or (has_prefix and bound > half))

    def corrections(self, word: str, prefix: bool = False) -> list[str]:
        """Indexed words (or word beginnings, for a prefix) within the allowed edits of `word`.

        Best first: fewest edits, then the most cards.
        """
        edits = max_edits(word)
        if edits == 0:
            return []
        if prefix:
            choices: Sequence[str] = self._prefix_choices(len(word), edits)
        else:
            choices = [
                term
                for length in range(len(word) - edits, len(word) + edits + 1)
                for term in self._by_length.get(length, ())
            ]
        # Loaded on the first correction only: 3 MB the tray does not carry until someone
        # mistypes a search.
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        found = process.extract(word, choices, scorer=OSA.distance, score_cutoff=edits, limit=None)
        ranked = sorted(
            ((distance, -self.matches(text, prefix), text) for text, distance, _ in found),
        )
        return [text for _, _, text in ranked[:MAX_CORRECTIONS]]

    def _prefix_choices(self, length: int, edits: int) -> list[str]:
        """Distinct beginnings of `length` letters, plus whole words a little shorter."""
        cached = self._prefixes.get(length)
        if cached is None:
            beginnings = {
                term[:length]
                for size, terms in self._by_length.items()
                if size >= length
                for term in terms
            }
            shorter = {
                term
                for size in range(length - edits, length)
                for term in self._by_length.get(size, ())
            }
            cached = sorted(beginnings | shorter)
            self._prefixes[length] = cached
        return cached
