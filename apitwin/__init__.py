"""apitwin: spec-first mock servers and contract tests driven by OpenAPI documents."""

__version__ = "0.1.0"
