"""The simulated clock: calls an API's `tick` every N seconds (0 = stopped), so a demo can watch kits move on
their own; tests stay deterministic by leaving it stopped and stepping with admin actions instead."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger("apitwin.clock")


class Clock:
    def __init__(self, runtime: Any, interval: float = 0.0) -> None:
        self.runtime = runtime
        self.interval = interval
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def set_interval(self, seconds: float) -> None:
        """Change speed; starts or stops the background loop (needs a running event loop to start)."""
        self.interval = seconds
        if seconds <= 0:
            self.stop()
        else:
            self.start()

    def start(self) -> None:
        if self.interval <= 0 or self.running or self.runtime.plugin.simulation.tick is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._task = loop.create_task(self._loop())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def tick(self) -> Any:
        self.ticks += 1
        tick = self.runtime.plugin.simulation.tick
        return tick(self.runtime) if tick is not None else None

    async def _loop(self) -> None:
        while self.interval > 0:
            await asyncio.sleep(self.interval)
            try:
                # workers sharing one state (Redis): only the lease holder ticks, so the clock ticks once
                if not self.runtime.store.leads("clock", max(3 * self.interval, 2.0)):
                    continue
                self.tick()
            except Exception:  # a broken tick must not kill the clock silently
                log.exception("clock tick failed for %s", self.runtime.name)
