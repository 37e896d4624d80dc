"""One Cuecards per person: `base` (protocol, names), `channel` (opens one), unix/qt backends."""
