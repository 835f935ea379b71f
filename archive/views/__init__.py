"""Public pages and the JSON endpoints; thin: they parse, ask a service, and render."""
