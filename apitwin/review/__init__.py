"""Spec review for API designers: `apitwin lint` (validity + house rules), `apitwin diff` (breaking changes between
two versions) and `apitwin check-drift` (the mock against its own spec). Works on any OpenAPI 3.0/3.1 document."""
