"""The palette's global hotkey: `base` (interface), `global_hotkey` (the facade), backends."""
