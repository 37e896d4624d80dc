"""Qt widgets only: they show and collect, and never open the database or network."""
