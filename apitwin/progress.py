"""Progress of long runs (contract phases, bench scripts) for a person at a terminal: one `rich` bar for the step
running now, the run's own lines printed above it, a summary table at the end.

Off a terminal (CI logs, pipes, pytest) there is no bar and no cursor movement: the lines come out as plain lines
and the table as plain text, so logs stay readable.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Sequence

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn,
                           TimeElapsedColumn)
from rich.table import Table


_NUMBER = re.compile(r"[-+]?[\d,]*\.?\d+\s*%?|-")


class RunProgress:
    """`with RunProgress() as p: p.step("fuzzing", total=24); p.advance(); p.line("...")`.

    `bars=None` shows bars only when the console is a terminal."""

    def __init__(self, console: Console | None = None, *, bars: bool | None = None) -> None:
        if console is None:
            console = Console(highlight=False)
            if not console.is_terminal:
                console.width = 160    # logs have no window to fit; 80 columns would fold the tables
        self.console = console
        self.bars = self.console.is_terminal if bars is None else bars
        self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                  MofNCompleteColumn(), TimeElapsedColumn(), console=self.console,
                                  transient=True, disable=not self.bars)
        self._task: TaskID | None = None

    def __enter__(self) -> "RunProgress":
        self._progress.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.end_step()
        self._progress.stop()

    def line(self, text: str) -> None:
        """A line of the run's log (above the bar while one is shown)."""
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def step(self, description: str, total: int | None = None) -> None:
        """Start the next step (the previous one ends); `total=None` when the amount of work is unknown."""
        self.end_step()
        self._task = self._progress.add_task(description, total=total)

    def advance(self, amount: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, amount)

    def end_step(self) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
            self._task = None

    def table(self, title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        print_table(self.console, title, columns, rows)


def print_table(console: Console, title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A summary table; columns holding only numbers (1,234 / 56 % / 7.8) are right-aligned."""
    cells = [[str(cell) for cell in row] for row in rows]
    console.print(title, markup=False, highlight=False, soft_wrap=True)   # a table's own title folds to its width
    table = Table()
    for index, column in enumerate(columns):
        numeric = bool(cells) and all(_NUMBER.fullmatch(row[index]) for row in cells if index < len(row))
        table.add_column(column, justify="right" if numeric else "left", overflow="fold")
    for row in cells:
        table.add_row(*row)
    console.print(table, soft_wrap=False)
