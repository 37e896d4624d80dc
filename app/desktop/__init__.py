"""Everything that talks to the OS, one small interface per concern, backends loaded lazily."""
