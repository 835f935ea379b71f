"""Full-text search for the archive."""
