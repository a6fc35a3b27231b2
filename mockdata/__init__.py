"""Package data: the seed directories of the built-in APIs, one per API (installed as `apitwin_apis.mockdata`)."""
