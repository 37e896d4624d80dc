"""Pure logic: models, pack loading, matching, pacing, aggregates. No Qt, no OS calls."""
