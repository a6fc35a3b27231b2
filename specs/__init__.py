"""Package data: the OpenAPI documents of the built-in APIs (installed as `apitwin_apis.specs`)."""
