"""apitwin.progress: a bar at a terminal, plain lines and a plain table elsewhere."""
from __future__ import annotations

import io

from rich.console import Console

from apitwin.progress import RunProgress, print_table


def console(terminal: bool) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=terminal, width=100, highlight=False, color_system=None), out


def test_off_a_terminal_only_the_lines_come_out() -> None:
    con, out = console(False)
    with RunProgress(con) as progress:
        progress.step("examples", total=3)
        progress.advance()
        progress.line("  examples  success    1.0 s [not markup]")
        progress.advance(2)
    assert out.getvalue() == "  examples  success    1.0 s [not markup]\n"


def test_at_a_terminal_a_bar_shows_the_step_and_its_count() -> None:
    con, out = console(True)
    with RunProgress(con) as progress:
        progress.step("fuzzing", total=4)
        progress.advance(3)
        progress._progress.refresh()
        shown = out.getvalue()
        progress.line("a line above the bar")
    assert "fuzzing" in shown and "3/4" in shown
    assert "a line above the bar" in out.getvalue()


def test_steps_replace_each_other_and_unknown_totals_are_allowed() -> None:
    con, _ = console(True)
    with RunProgress(con) as progress:
        progress.step("one", total=2)
        progress.step("stateful")                      # no known total
        progress.advance()
        assert [t.description for t in progress._progress.tasks] == ["stateful"]
        assert progress._progress.tasks[0].total is None
    progress.advance()                                 # after the end: nothing to advance, no error


def test_bars_can_be_forced_off_at_a_terminal() -> None:
    con, out = console(True)
    with RunProgress(con, bars=False) as progress:
        progress.step("examples", total=1)
        progress.advance()
    assert out.getvalue() == ""


def test_summary_table_aligns_numbers_right() -> None:
    con, out = console(False)
    print_table(con, "Summary", ("phase", "result", "seconds"), [("examples", "success", "1.5"),
                                                                  ("coverage", "failure", "12.0")])
    text = out.getvalue()
    assert text.splitlines()[0].strip() == "Summary"
    assert "│ examples │ success │     1.5 │" in text
    assert "│ coverage │ failure │    12.0 │" in text


def test_a_long_title_stays_on_one_line() -> None:
    con, out = console(False)
    title = "apitwin contract partners: 1512 cases, status-code coverage 94.3 % (82/87 documented codes seen)"
    print_table(con, title, ("phase", "result"), [("examples", "success")])
    assert out.getvalue().splitlines()[0] == title
