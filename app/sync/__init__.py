"""Pack sources, signatures and upload sinks."""
