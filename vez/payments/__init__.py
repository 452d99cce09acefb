"""Built by its own issue."""
