"""Files shipped inside installed packages (specs, seed data, the admin document), found with importlib.resources.

Nothing is looked up relative to a source checkout: a plugin names the package that carries its files, and the same
call works from a wheel, an editable install or a third-party distribution.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path


class ResourceError(LookupError):
    """A packaged file is missing or not on the file system (e.g. a zip import)."""


def package_path(package: str, *parts: str) -> Path:
    """`parts` inside importable `package` as a real path (the engine hands paths to YAML loaders and git-free
    review tools). Raises ResourceError naming the package when the file is not there."""
    try:
        root = resources.files(package)
    except ModuleNotFoundError as exc:
        raise ResourceError(f"package {package!r} is not installed ({exc})") from None
    target = root.joinpath(*parts) if parts else root
    if not isinstance(target, Path):
        raise ResourceError(f"{package}/{'/'.join(parts)}: not a file on disk ({type(target).__name__}); "
                            "install the package unzipped")
    if not target.exists():
        raise ResourceError(f"{package}/{'/'.join(parts)}: not found in {root}")
    return target
