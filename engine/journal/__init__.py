"""What the event keeps: the content-addressed archive and the SQLite journal."""
