"""The apps service's Lambda handlers (one module per function) and their helpers."""
