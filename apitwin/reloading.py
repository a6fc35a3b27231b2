"""`apitwin serve PATH --watch`: the served app is rebuilt when the document, a file it `$ref`s or a `--data`
directory changes, and swapped in atomically; a rebuild that fails leaves the last good app serving and prints its
problems. Uvicorn serves `Reloading`, an ASGI app holding the current app; the watcher (watchfiles) runs as a task
in the server's event loop.

State carried over: every collection of the old app whose API is still served, except a resource the new document
no longer has, and a collection whose seed changed (an edited example or `--data` file is served as edited). Rows
that no longer fit the new schemas are not carried (their collection starts from the new seed), with a line saying so.
"""
from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import unquote, urljoin, urlsplit

from apitwin.review.loader import Loader, LoadError

DEBOUNCE_MS = 300   # longest a burst of saves is grouped (an editor writes a file in several steps)
STEP_MS = 50        # quiet time that ends a burst


class RebuildFailed(Exception):
    """A rebuild that cannot be served; `lines` are its problems, one per line, ready to print."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def document_files(path: Path | str) -> set[Path]:
    """The document at `path` and every local file its `$ref`s reach (transitively); a file that cannot be read
    still counts (fixing it must trigger a reload), its own references are then unknown."""
    loader = Loader()
    found: set[Path] = {Path(path).resolve()}
    try:
        pending = [loader.open(str(path))]
    except LoadError:
        return found
    seen: set[str] = set()
    while pending:
        doc = pending.pop()
        if doc.uri in seen:
            continue
        seen.add(doc.uri)
        found.add(_file_of(doc.uri) or Path(path).resolve())
        for ref in _external_refs(doc.data):
            target = ref.partition("#")[0]
            uri = urljoin(doc.uri, target)
            local = _file_of(uri)
            if local is not None:
                found.add(local)
            try:
                pending.append(loader.get(uri))
            except LoadError:
                continue
    return found


def _file_of(uri: str) -> Path | None:
    parts = urlsplit(uri)
    return Path(unquote(parts.path)).resolve() if parts.scheme == "file" else None


def _external_refs(node: Any) -> Iterable[str]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#") and "://" not in ref.split("#")[0]:
                yield ref
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


@dataclass
class Watched:
    """What a change must touch to reload: these files, or anything in these data directories."""

    files: set[Path] = field(default_factory=set)
    data_dirs: set[Path] = field(default_factory=set)

    @property
    def directories(self) -> set[Path]:
        # a data directory's parent too: a data directory removed and made again is seen
        parents = {f.parent for f in self.files} | self.data_dirs | {d.parent for d in self.data_dirs}
        return {d for d in parents if d.is_dir()}

    def touches(self, changed: str, *, broken: bool) -> bool:
        path = Path(changed).resolve()
        if path in self.files or path in self.data_dirs or path.parent in self.data_dirs:
            return True
        # after a broken edit the document may name a file that did not exist yet: any document-like file counts
        return broken and path.suffix in (".yaml", ".yml", ".json")


# ------------------------------------------------------------------------------------------------ state carry-over

def _resources(rt: Any) -> set[str] | None:
    model = rt.extras.get("inferred_model")
    return {resource.name for resource in model.resources.values()} if model is not None else None


def carried_state(old_rt: Any, old_seed: dict[str, Any], new_rt: Any, new_seed: dict[str, Any]) -> tuple[
        dict[str, Any], list[str]]:
    """The state the new runtime starts with (its seed, with the old runtime's collections that still fit laid
    over it) and the names of the carried collections."""
    old_state = old_rt.store.export()["collections"]
    old_resources, new_resources = _resources(old_rt), _resources(new_rt)
    old_seeds, new_seeds = old_seed.get("collections", {}), new_seed.get("collections", {})
    collections = dict(new_seeds)
    carried = []
    for name, data in old_state.items():
        if old_resources is not None and name in old_resources and name not in (new_resources or set()):
            continue    # the resource is gone from the document
        if old_seeds.get(name) != new_seeds.get(name):
            continue    # its seed was edited: serve the edit
        if data == new_seeds.get(name):
            continue    # nothing happened to it
        collections[name] = data
        carried.append(name)
    return {"collections": collections}, carried


def install_carried(old_rt: Any, old_seed: dict[str, Any], new_rt: Any, new_seed: dict[str, Any]) -> list[str]:
    """Put the carried state into the new runtime; lines to print (what was kept, what did not fit)."""
    from apitwin import state_check
    from apitwin.app import ADMIN_SPEC

    state, carried = carried_state(old_rt, old_seed, new_rt, new_seed)
    notes = []
    while carried:
        try:
            found = state_check.problems(new_rt, state, ADMIN_SPEC)
        except (ValueError, TypeError, KeyError) as exc:
            found = [f"{carried[0]} {exc}"]
        if not found:
            break
        # a problem's label starts with its collection's name; a problem naming none drops every carried one
        misfits = [name for name in carried if any(p.startswith(f"{name} ") for p in found)] or list(carried)
        for name in misfits:
            first = next((p for p in found if p.startswith(f"{name} ")), found[0])
            notes.append(f"{new_rt.name}: {name}: state not kept, it no longer fits the document ({first})")
            state["collections"][name] = new_seed.get("collections", {}).get(name, {"rows": []})
            carried.remove(name)
    if carried:
        new_rt.store.load(state)
        if new_rt.webhooks is not None:
            new_rt.webhooks.state_replaced()
        notes.append(f"{new_rt.name}: state kept: {', '.join(sorted(carried))}")
    return notes


# ------------------------------------------------------------------------------------------------ lifespan

class Lifespan:
    """Runs one app's ASGI lifespan (its background work: webhook senders, the clock) outside uvicorn, so an app
    swapped in starts it and the one swapped out stops it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        try:
            await self.app(scope, self._inbox.get, self._outbox.put)
        except Exception as exc:  # noqa: BLE001 - reported as a failed start/stop below
            await self._outbox.put({"type": "lifespan.failed", "message": str(exc)})

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())
        await self._inbox.put({"type": "lifespan.startup"})
        answer = await self._outbox.get()
        if answer["type"] != "lifespan.startup.complete":
            raise RebuildFailed([f"start-up failed: {answer.get('message', answer['type'])}"])

    async def stop(self) -> None:
        if self._task is None or self._task.done():
            return
        await self._inbox.put({"type": "lifespan.shutdown"})
        await self._outbox.get()
        await self._task


# ------------------------------------------------------------------------------------------------ the server app

Rebuild = Callable[[], tuple[Any, Watched]]


class Reloading:
    """The ASGI app uvicorn serves under --watch: every request goes to the current app; a change rebuilds it
    (`rebuild()` returns the new app and what to watch, or raises RebuildFailed) and swaps it in."""

    def __init__(self, app: Any, watched: Watched, rebuild: Rebuild, *, seeds: dict[str, dict[str, Any]],
                 out: Any = None, err: Any = None) -> None:
        self.app = app
        self.watched = watched
        self.rebuild = rebuild
        self.out, self.err = out or sys.stdout, err or sys.stderr
        self.seeds = seeds      # each API's state as built, before anything (--webhook, requests) changed it
        self.broken = False
        self.reloads = 0
        self._lifespan: Lifespan | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._stop: asyncio.Event | None = None

    @property
    def apitwin(self) -> Any:
        return self.app.apitwin

    @staticmethod
    def seeds_of(app: Any) -> dict[str, dict[str, Any]]:
        return {name: rt.store.export() for name, rt in app.apitwin.runtimes.items()}

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        await receive()   # lifespan.startup
        try:
            self._lifespan = Lifespan(self.app)
            await self._lifespan.start()
        except Exception as exc:  # noqa: BLE001
            await send({"type": "lifespan.startup.failed", "message": str(exc)})
            return
        self._stop = asyncio.Event()
        self._watcher = asyncio.get_running_loop().create_task(self.watch())
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        assert message["type"] == "lifespan.shutdown"
        self._stop.set()
        await self._watcher
        await self._lifespan.stop()
        await send({"type": "lifespan.shutdown.complete"})

    async def watch(self) -> None:
        """Reload on each burst of changes that touches a watched file, until the server stops; when a reload
        changes the watched directories (a new `$ref`'d file elsewhere), watch those instead."""
        import watchfiles

        assert self._stop is not None
        while not self._stop.is_set():
            directories = sorted(self.watched.directories)
            try:
                if not directories:       # every watched directory is gone: look again shortly
                    raise FileNotFoundError("no watched directory exists")
                async for changes in watchfiles.awatch(*directories, stop_event=self._stop, debounce=DEBOUNCE_MS,
                                                       step=STEP_MS, recursive=False, watch_filter=None):
                    if any(self.watched.touches(path, broken=self.broken) for _, path in changes):
                        await self.reload()
                        if sorted(self.watched.directories) != directories:
                            break
            except (OSError, RuntimeError) as exc:   # a watched directory removed or renamed away
                print(f"apitwin: watch: {exc}; watching again", file=self.err, flush=True)
                try:
                    await asyncio.wait_for(self._stop.wait(), timeout=0.5)
                except asyncio.TimeoutError:
                    pass

    async def reload(self) -> bool:
        """Rebuild and swap; False (and the problems printed) when the rebuild cannot be served."""
        started = time.monotonic()
        try:
            app, watched = await asyncio.to_thread(self.rebuild)
        except RebuildFailed as exc:
            self._failed(exc.lines)
            return False
        except Exception as exc:  # noqa: BLE001 - an edit must never stop the server
            self._failed([f"{type(exc).__name__}: {exc}"])
            return False
        self.watched = watched
        old, old_seeds = self.app, self.seeds
        seeds = self.seeds_of(app)
        notes: list[str] = []
        lifespan = Lifespan(app)
        try:
            await lifespan.start()
        except RebuildFailed as exc:
            self._failed(exc.lines)
            return False
        # the served targets are the command line's, in its order: the n-th API follows the n-th (a document
        # whose title changed gets a new name, and keeps its state)
        for old_rt, rt in zip(old.apitwin.runtimes.values(), app.apitwin.runtimes.values()):
            with old_rt.store.transaction():   # no request changes the old state between its export and the swap
                notes += install_carried(old_rt, old_seeds[old_rt.name], rt, seeds[rt.name])
        self.app, self.seeds, self.broken = app, seeds, False
        self.reloads += 1
        previous, self._lifespan = self._lifespan, lifespan
        if previous is not None:
            await previous.stop()
        for note in notes:
            print(f"apitwin: watch: {note}", file=self.out, flush=True)
        print(f"apitwin: watch: reloaded in {1000 * (time.monotonic() - started):.0f} ms", file=self.out, flush=True)
        return True

    def _failed(self, lines: list[str]) -> None:
        self.broken = True
        print("apitwin: watch: the edit cannot be served; still serving the last good version:", file=self.err,
              flush=True)
        for line in lines:
            print(f"apitwin: {line.strip()}", file=self.err, flush=True)
