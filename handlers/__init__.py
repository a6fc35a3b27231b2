"""API-specific handler packages: handlers/<api>/<resource>.py, functions named by the spec's operationIds.

Installed (and imported) as `apitwin_apis` (pyproject.toml maps this folder), so the installed tree claims no
generic top-level name; importing it as `handlers` from a checkout would load every handler module a second time.
"""
if __name__ != "apitwin_apis":
    raise ImportError(f"import this package as apitwin_apis, not {__name__} (pyproject.toml maps handlers/ to "
                      "apitwin_apis; `pip install -e .` makes it importable)")
