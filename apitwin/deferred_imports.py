"""Libraries Connexion imports when it loads but `apitwin serve` never calls, loaded on first use instead of at start.

Connexion 3.3 imports, at module level, `httpx` (connexion.security: only to fetch a remote OAuth token-info URL,
which no apitwin API configures) and `requests` (connexion.json_schema: only to fetch a `$ref` over http, which
apitwin never hands it). Loading them was about a third of the imports of `apitwin serve` (measured with
`python -X importtime`; bench/bench_startup.py): httpx's `__init__` also imports its command line (`httpx._main` →
click, rich, pygments). (`jinja2`, imported by connexion.spec for the same kind of reason, is not deferred: Starlette's
templating, which Connexion's Swagger UI module imports, uses it at import time.)

`defer()` puts each into `sys.modules` as the real module object, created from its real import spec (name, file,
`__path__`, loader), whose code has not run yet: the first attribute it does not have yet (`httpx.AsyncClient`,
`from httpx import Client`) runs the module's code into that same object, under a lock, and from then on it is the
ordinary module. `import httpx` anywhere in the process still works and gives the real module; importing one of its
submodules works as before. Nothing is patched or stubbed, and a module already imported is left alone.

Why not `importlib.util.LazyLoader`: on Python 3.11 a second `import httpx` (Connexion's, after ours) reads the
module's `__spec__`, which makes LazyLoader load it at once. Here `__spec__` and the other import attributes are
ordinary attributes, so only a real use loads the module.

Only the `serve` command calls it (apitwin.cli), before Connexion is imported.
"""
from __future__ import annotations

import importlib.util
import sys
import threading
import types
from typing import Any

# Top-level modules Connexion imports with a plain `import NAME` and that serving never touches.
DEFERRED = ("httpx", "requests")

_lock = threading.RLock()


def defer(names: tuple[str, ...] = DEFERRED) -> list[str]:
    """Make each not-yet-imported module in `names` run its code on first use; returns the ones deferred."""
    deferred = []
    for name in names:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            continue                       # not installed (the importer's own ImportError stays as it was)
        module = importlib.util.module_from_spec(spec)
        module.__getattr__ = _loader_for(module, spec)     # PEP 562: called only for attributes not there yet
        sys.modules[name] = module
        deferred.append(name)
    return deferred


def is_pending(module: types.ModuleType) -> bool:
    """Whether a deferred module's code has not run yet (tests, and the check that serving never loads it)."""
    hook = module.__dict__.get("__getattr__")
    return getattr(hook, "_apitwin_deferred", False)


def _loader_for(module: types.ModuleType, spec: Any) -> Any:
    state = {"loading": False}

    def __getattr__(attribute: str) -> Any:
        with _lock:
            if module.__dict__.get("__getattr__") is __getattr__:        # not loaded yet (or loading)
                if state["loading"]:                                     # its own code asked: as when importing
                    raise AttributeError(f"partially initialized module {module.__name__!r} has no attribute "
                                         f"{attribute!r}")
                state["loading"] = True
                try:
                    spec.loader.exec_module(module)                      # raises as the import would have
                finally:
                    state["loading"] = False
                if module.__dict__.get("__getattr__") is __getattr__:    # the module has no __getattr__ of its own
                    del module.__dict__["__getattr__"]
        try:
            return module.__dict__[attribute]
        except KeyError:
            own = module.__dict__.get("__getattr__")
            if own is not None and own is not __getattr__:
                return own(attribute)
            raise AttributeError(f"module {module.__name__!r} has no attribute {attribute!r}") from None

    __getattr__._apitwin_deferred = True   # type: ignore[attr-defined]
    return __getattr__
