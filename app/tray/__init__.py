"""The running tray application: moment pipeline, windows, schedulers, palette controller."""
