"""API-specific handler packages: handlers/<api>/<resource>.py, functions named by the spec's operationIds."""
