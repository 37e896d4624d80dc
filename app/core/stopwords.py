"""Words that carry no meaning in a search ("how do I…", "the", "to"): search leaves them out,
so a result is judged on the words that say what the person is looking for.

English only for now, and small on purpose: a word such as "new", "open", "all" or "up" names
what a card is about and stays, and so do "it" and "us", which may mean IT and US.
"""

from __future__ import annotations

from collections.abc import Sequence

STOP_WORDS: frozenset[str] = frozenset(
    {
        "a", "about", "an", "and", "any", "are", "as", "at", "be", "by", "can", "could", "did",
        "do", "does", "for", "from", "get", "gets", "got", "has", "have", "how", "i", "if", "in",
        "into", "is", "me", "my", "need", "needs", "of", "on", "or", "please", "should", "so",
        "some", "that", "the", "this", "to", "want", "wants", "was", "we", "what", "when", "where",
        "which", "who", "why", "will", "with", "would", "you", "your",
    }
)  # fmt: skip
"""Lower-case, accent-free words, as search folds what is typed."""


def significant(tokens: Sequence[str]) -> tuple[str, ...]:
    """The tokens that are not stop words, in order; all of them when every one is a stop
    word (a search for "how to" still means those words)."""
    kept = tuple(token for token in tokens if token not in STOP_WORDS)
    return kept or tuple(tokens)
