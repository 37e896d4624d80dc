"""Forward-only schema migrations: MIGRATIONS[i] brings `PRAGMA user_version` from i to i + 1.

Append new scripts at the end (the outbox…); never edit one that has shipped.
Each script runs in one transaction together with the user_version bump (see store.db).
"""

from __future__ import annotations

# Migration 1: the pack catalog.
#
# The full-text index is an FTS5 *external content* table over `cards`: the text already lives
# in `cards` (the card view and `card()` read it from there), so a regular FTS table would store
# it twice, and a contentless one could neither return columns (highlight/snippet for the
# palette) nor delete rows without their old values on this SQLite (3.40; contentless_delete
# needs 3.43). The catalog keeps the index in step itself, one INSERT … SELECT per pack in
# rowid order: row triggers would make FTS5 flush its pending data on every card (each
# trigger runs as a nested statement), which made installs 3-4 times slower. Only
# store.packinstall writes `cards`; `INSERT INTO cards_fts(cards_fts) VALUES ('rebuild')` repairs
# the index should it ever drift.
#
# Prefix indexes for 2 to 5 letters make "the word being typed" one doclist read; longer
# prefixes are expanded by search into their few completions. Measured on 10k generated
# cards: indexing takes 0.60 s and 17.5 MB, against 0.26 s and 9.8 MB with '2 3' only.
#
# `keywords` and `skills` hold JSON arrays: the unicode61 tokenizer treats the brackets, quotes
# and commas as separators, so the index sees just the words.
#
# `app_refs` holds one opaque token per app reference of the card's triggers (a private-use
# character and a hash, see fulltext.app_token): no typed query can produce such a token, and
# the search boost for the app in front becomes one more FTS5 term instead of a join. Its
# bm25 weight is 0; its one to three tokens only lengthen a card a little for bm25.
#
# Card row ids are not arbitrary: rowid = band << 32 | sequence, where band is 100 - priority
# for approved cards and 101 for drafts. FTS5 walks matches in rowid order cheaply, so
# `rowid < 101 << 32` leaves drafts out without a join, and "the first N matches by rowid" are
# the N highest-priority ones (what search ranks when a short prefix matches most cards).
CATALOG = """
CREATE TABLE packs (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    version       TEXT NOT NULL,
    publisher     TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL,
    digest        TEXT NOT NULL,
    installed_at  TEXT NOT NULL,
    manifest_json TEXT NOT NULL
);

CREATE TABLE apps (
    pack_id TEXT NOT NULL REFERENCES packs(id) ON DELETE CASCADE,
    alias   TEXT NOT NULL,
    app_id  TEXT NOT NULL,
    PRIMARY KEY (pack_id, alias, app_id)
) WITHOUT ROWID;
CREATE INDEX apps_by_app_id ON apps(app_id);

CREATE TABLE skills (
    pack_id TEXT NOT NULL REFERENCES packs(id) ON DELETE CASCADE,
    id      TEXT NOT NULL,
    name    TEXT NOT NULL,
    PRIMARY KEY (pack_id, id)
) WITHOUT ROWID;

CREATE TABLE cards (
    rowid        INTEGER PRIMARY KEY,
    pack_id      TEXT NOT NULL REFERENCES packs(id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL,
    body         TEXT NOT NULL DEFAULT '',
    keywords     TEXT NOT NULL DEFAULT '[]',
    skills       TEXT NOT NULL DEFAULT '[]',
    priority     INTEGER NOT NULL DEFAULT 50,
    owner        TEXT,
    reviewed     TEXT,
    review_every REAL,
    status       TEXT NOT NULL DEFAULT 'approved' CHECK (status IN ('draft', 'approved')),
    file         TEXT NOT NULL DEFAULT '',
    app_refs     TEXT NOT NULL DEFAULT '',
    UNIQUE (pack_id, id)
);

CREATE TABLE triggers (
    card_rowid    INTEGER NOT NULL REFERENCES cards(rowid) ON DELETE CASCADE,
    idx           INTEGER NOT NULL,
    app_ref       TEXT NOT NULL,
    title_pattern TEXT,
    dwell         REAL,
    PRIMARY KEY (card_rowid, idx)
) WITHOUT ROWID;
CREATE INDEX triggers_by_app_ref ON triggers(app_ref);

CREATE VIRTUAL TABLE cards_fts USING fts5(
    title, summary, keywords, body, app_refs,
    content = 'cards',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4 5'
);

CREATE VIRTUAL TABLE cards_fts_vocab USING fts5vocab(cards_fts, 'row');
"""

# Migration 2: pack sync state (see store.syncstate): the last result of each source, HTTP
# validators (ETag, Last-Modified) per URL, and where each installed pack came from (publisher
# and signing key, so another publisher cannot take over its id). No foreign keys to the
# catalog: an update deletes and re-inserts a pack's catalog rows, and a cascade would wipe
# these rows too.
SYNC = """
CREATE TABLE sync_sources (
    source     TEXT PRIMARY KEY,
    status     TEXT NOT NULL CHECK (status IN ('updated', 'unchanged', 'error')),
    message    TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    ok_at      TEXT,
    packs_json TEXT NOT NULL DEFAULT '[]',
    requests   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sync_http (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    stored_at     TEXT NOT NULL
);

CREATE TABLE pack_origins (
    pack_id       TEXT PRIMARY KEY,
    version       TEXT NOT NULL,
    publisher     TEXT NOT NULL,
    source        TEXT NOT NULL,
    location      TEXT NOT NULL,
    signed_by     TEXT,
    source_digest TEXT NOT NULL,
    installed_at  TEXT NOT NULL
);
"""

# Migration 3: the person's own state (see store.usage and store.state). Keyed by the text ids
# (pack_id, card_id), never by cards.rowid and with no foreign key or trigger onto the catalog:
# an update re-inserts a pack's cards, and removing a pack must not forget "don't show again".
# No column anywhere holds a window title or a keystroke.
#
# `usage_events`: one row per event, appended and committed one by one. `ts` is Unix seconds;
# `app_id` is an app id some installed pack knows, or 'other'; `query` and `results` are set
# for searches only. Kinds are checked in Python (store.usage.KINDS) so a new kind needs no
# table rebuild. Pruned by `usage.retention_days`.
# `pacing_state`: exactly one row, the attention budget as JSON (core.pacing.PacingState without
# its current-window fields and without "never", which lives in card_state); muted apps,
# snooze, recent popup times and cooldowns are in it.
# `card_state`: per card, "don't show again", the person's latest vote (+1 helpful, -1 not
# helpful, 0 none) and when the card was last shown.
PERSON = """
CREATE TABLE usage_events (
    id      INTEGER PRIMARY KEY,
    ts      REAL NOT NULL,
    kind    TEXT NOT NULL,
    pack_id TEXT,
    card_id TEXT,
    app_id  TEXT,
    query   TEXT,
    results INTEGER
);
CREATE INDEX usage_events_by_ts ON usage_events(ts);
CREATE INDEX usage_events_by_card ON usage_events(pack_id, card_id) WHERE pack_id IS NOT NULL;

CREATE TABLE pacing_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    state_json TEXT NOT NULL,
    saved_at   REAL NOT NULL
);

CREATE TABLE card_state (
    pack_id    TEXT NOT NULL,
    card_id    TEXT NOT NULL,
    never      INTEGER NOT NULL DEFAULT 0 CHECK (never IN (0, 1)),
    vote       INTEGER NOT NULL DEFAULT 0 CHECK (vote IN (-1, 0, 1)),
    voted_at   REAL,
    last_shown REAL,
    PRIMARY KEY (pack_id, card_id)
) WITHOUT ROWID;
"""

# Migration 4: reports waiting to be uploaded (see store.outbox), and an index for building them.
#
# `outbox`: one row per report day, holding the exact bytes that are (or were) sent, so a retry
# sends the same batch_id and the same counts. Rows stay after delivery (`delivered_at` set) so
# a day is never reported twice; pending rows are capped by store.outbox, never dropped.
# `outbox_quiet`: one row, the last day on which uploads were seen turned off; that day and
# every earlier one are never reported, even after uploads are turned on again.
# `usage_events_for_reports` lists the events in GROUP BY order (kind, pack, card, app) with the
# time and result count beside them: a day's report can then count a large log in index order
# instead of sorting every event of the day (store.reports picks the cheaper of the two).
OUTBOX = """
CREATE TABLE outbox (
    batch_id     TEXT PRIMARY KEY,
    day          TEXT NOT NULL UNIQUE,
    payload      BLOB NOT NULL,
    created_at   REAL NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL NOT NULL,
    last_error   TEXT,
    delivered_at REAL
);
CREATE INDEX outbox_pending ON outbox(next_attempt) WHERE delivered_at IS NULL;

CREATE TABLE outbox_quiet (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    quiet_through TEXT NOT NULL
);

CREATE INDEX usage_events_for_reports
    ON usage_events(kind, pack_id, card_id, app_id, ts, results);
"""

# Migration 7: the full-text index's words, kept beside it (see store.packinstall).
#
# Search needs every indexed word with the number of cards holding it: to know a word, to
# expand a prefix, to correct a typo. Reading them from `cards_fts_vocab` walks the whole
# index, which made every `cuecards search` process pay in proportion to the catalog (0.1 s
# at 50k cards). `vocabulary` holds the same rows (`cards` is fts5vocab's `doc`) and
# `catalog_size` the number of cards; store.packinstall rewrites both in the transaction that
# installs or removes a pack, so they always match the index. This migration builds them once
# for the packs already installed.
VOCABULARY = """
CREATE TABLE vocabulary (
    term  TEXT PRIMARY KEY,
    cards INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE catalog_size (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    cards INTEGER NOT NULL
);

INSERT INTO vocabulary (term, cards) SELECT term, doc FROM cards_fts_vocab;
INSERT INTO catalog_size (id, cards) SELECT 1, count(*) FROM cards;
"""

# Migration 5: whether a search was answered (see store.usage). A search is answered when some
# card matched every word of it; partial matches alone leave it unanswered, the content gap
# reports count. `answered` is 1 or 0 for searches logged from now on and NULL for anything
# else; searches logged before it say only how many cards they found, so reports read a NULL
# as "answered when it found any card" (store.reports, core.aggregates). The report index
# gains the column so a day's report still reads the index alone.
ANSWERED = """
ALTER TABLE usage_events ADD COLUMN answered INTEGER CHECK (answered IN (0, 1));

DROP INDEX usage_events_for_reports;
CREATE INDEX usage_events_for_reports
    ON usage_events(kind, pack_id, card_id, app_id, ts, results, answered);
"""

# Migration 6: a pack's synonyms (pack.yaml `synonyms:`, see store.synonyms). `cards.synonyms`
# holds, per card, the words people use for the words the card contains, written at install
# time; cards_fts indexes it as a sixth column (bm25 weight as keywords), so a search for
# "snip" finds a card about screenshots with no extra work per search. An FTS5 table cannot
# gain a column, so it is made again and rebuilt from `cards` (packs installed before this had
# no synonyms: a pack declaring them did not validate).
SYNONYMS = """
ALTER TABLE cards ADD COLUMN synonyms TEXT NOT NULL DEFAULT '';

DROP TABLE cards_fts_vocab;
DROP TABLE cards_fts;
CREATE VIRTUAL TABLE cards_fts USING fts5(
    title, summary, keywords, body, app_refs, synonyms,
    content = 'cards',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4 5'
);
CREATE VIRTUAL TABLE cards_fts_vocab USING fts5vocab(cards_fts, 'row');
INSERT INTO cards_fts(cards_fts) VALUES ('rebuild');
"""

MIGRATIONS: tuple[str, ...] = (CATALOG, SYNC, PERSON, OUTBOX, ANSWERED, SYNONYMS, VOCABULARY)

SCHEMA_VERSION = len(MIGRATIONS)
