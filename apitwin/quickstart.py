"""What `apitwin serve` and the landing page tell a user about one API: its seeded logins and quickstart lines.

One place, so the banner and the page never advertise different (or non-existent) logins.
"""
from __future__ import annotations

from typing import Any


def logins(rt: Any) -> list[tuple[str, str, str]]:
    """(username, password, note) of the seeded accounts that can log in, best first; [] when the API has no hook."""
    hook = rt.plugin.tooling.logins
    return hook(rt) if hook is not None else []


def lines(rt: Any, root: str) -> list[str]:
    """The Login line (when some account can log in) and the plugin's quickstart lines for an API served at `root`;
    lines naming {username}/{password} are left out when no account can log in."""
    found = logins(rt)
    out = []
    if found:
        out.append("Login       " + "  ·  ".join(f"{user} / {password}" + (f" ({note})" if note else "")
                                                 for user, password, note in found[:3]))
    first = {"username": found[0][0], "password": found[0][1]} if found else None
    for line in rt.plugin.quickstart:
        if first is None and ("{username}" in line or "{password}" in line):
            continue
        out.append(line.format(root=root, **(first or {})))
    return out
