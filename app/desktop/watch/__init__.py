"""The active-window watcher: `base` (interface, events), `detect` (picks a backend), backends."""
