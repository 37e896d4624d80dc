"""Widget tests run offscreen: no X server, no window manager."""

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"
