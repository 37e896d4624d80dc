"""SQLite storage through sqlite-utils: schema, catalog, usage log, outbox. No Qt."""
