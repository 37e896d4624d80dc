"""The collector's tables, as forward migrations written once for both SQLite and PostgreSQL.

The SQL uses only what both databases read the same way (TEXT, BIGINT, DOUBLE PRECISION,
primary and foreign keys, ON CONFLICT). A migration is appended here and never changed; the
version reached is a row of `collector_schema`. Tables, for the report that reads them:

- `tokens`: id (public), digest (SHA-256 of the token), name, cohort, created_at, revoked_at.
- `reports`: one row per batch: the token that sent it, schema version, day, the report's own
  cohort, noise epsilon, the search counts (`unanswered` is NULL before schema 2), when it was
  received, the digest of its content and its exact JSON text (`payload`).
- `report_cards` and `report_apps`: the per-card and per-app counts of each report.

Times are Unix seconds; days are `YYYY-MM-DD` text, as in the report.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, tuple[str, ...]]] = [
    (
        1,
        (
            """CREATE TABLE tokens (
                id TEXT PRIMARY KEY,
                digest TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                cohort TEXT,
                created_at DOUBLE PRECISION NOT NULL,
                revoked_at DOUBLE PRECISION
            )""",
            """CREATE TABLE reports (
                batch_id TEXT PRIMARY KEY,
                token_id TEXT NOT NULL REFERENCES tokens (id),
                schema_version INTEGER NOT NULL,
                day TEXT NOT NULL,
                cohort TEXT,
                noise_epsilon DOUBLE PRECISION,
                searches BIGINT NOT NULL,
                zero_results BIGINT NOT NULL,
                unanswered BIGINT,
                received_at DOUBLE PRECISION NOT NULL,
                digest TEXT NOT NULL,
                payload TEXT NOT NULL
            )""",
            "CREATE INDEX reports_by_day ON reports (day)",
            """CREATE TABLE report_cards (
                batch_id TEXT NOT NULL REFERENCES reports (batch_id) ON DELETE CASCADE,
                pack TEXT NOT NULL,
                card TEXT NOT NULL,
                shown BIGINT NOT NULL,
                opened BIGINT NOT NULL,
                helpful BIGINT NOT NULL,
                unhelpful BIGINT NOT NULL,
                dismissed BIGINT NOT NULL,
                muted BIGINT NOT NULL,
                PRIMARY KEY (batch_id, pack, card)
            )""",
            "CREATE INDEX report_cards_by_card ON report_cards (pack, card)",
            """CREATE TABLE report_apps (
                batch_id TEXT NOT NULL REFERENCES reports (batch_id) ON DELETE CASCADE,
                app TEXT NOT NULL,
                contexts BIGINT NOT NULL,
                matched BIGINT NOT NULL,
                PRIMARY KEY (batch_id, app)
            )""",
        ),
    ),
]
LATEST = MIGRATIONS[-1][0]
VERSION_TABLE = """CREATE TABLE IF NOT EXISTS collector_schema (
    version INTEGER PRIMARY KEY,
    applied_at DOUBLE PRECISION NOT NULL
)"""
