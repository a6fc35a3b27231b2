"""schemathesis' engine events turned into a `RunResult`: per-operation case counts and statuses (for coverage),
one `Finding` per distinct failure with the check, the curl line and the response, errors of the run itself, and
the progress lines a user watches while it runs (and, given a tracker, a bar per phase: apitwin.progress)."""
from __future__ import annotations

import time
from typing import Any, Callable

from apitwin.contract.config import PHASES
from apitwin.contract.results import Finding, RunResult
from apitwin.contract.target import SetupError

Progress = Callable[[str], None]
PROGRESS_EVERY = 5.0      # seconds between "still running" lines within a phase


def drive(schema: Any, result: RunResult, progress: Progress, tracker: Any = None) -> None:
    """Run the engine to its end. `tracker` (an apitwin.progress.RunProgress) gets a step per phase, advanced per
    operation (examples, coverage, fuzzing) or per scenario (stateful: no known total)."""
    from schemathesis.core.errors import NoLinksFound
    from schemathesis.engine import Status, events, from_schema

    phase_started = last_line = 0.0
    scenarios = 0
    selected = schema.statistic.operations.selected if tracker is not None else 0
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted):
            phase_started = last_line = time.monotonic()
            scenarios = 0
            name = event.phase.name.value
            if tracker is not None and name in PHASES and event.phase.is_enabled:
                total = None if name == "stateful" else len(event.operations or ()) or selected
                tracker.step(name, total)
        elif isinstance(event, events.PhaseFinished):
            name = event.phase.name.value
            if name in PHASES:
                elapsed = time.monotonic() - phase_started
                result.phase_times[name] = elapsed
                if result.phase_status.get(name) != "skipped":   # (stateful without links said so already)
                    result.phase_status[name] = event.status.value if event.phase.is_enabled else "skipped"
                if event.phase.is_enabled:
                    progress(f"  {name:<9} {event.status.value:<8} {elapsed:5.1f} s")
                if tracker is not None:
                    tracker.end_step()
        elif isinstance(event, events.ScenarioFinished):
            _collect(event.recorder, event.phase.value, result)
            scenarios += 1
            if tracker is not None and not event.is_final:
                tracker.advance()
            now = time.monotonic()
            if event.status in (Status.FAILURE, Status.ERROR) and event.label:
                progress(f"    {event.phase.value:<9} {event.label}: {event.status.value}")
                last_line = now
            elif now - last_line >= PROGRESS_EVERY:                 # a sign of life in long phases
                progress(f"    {event.phase.value:<9} {scenarios} scenarios, {result.cases} cases so far")
                last_line = now
        elif isinstance(event, events.FuzzScenarioFinished):
            _collect(event.recorder, "fuzzing", result)
        elif isinstance(event, events.NonFatalError) and isinstance(event.value, NoLinksFound):
            # the selected operations (--include) link to none of each other: nothing to chain, not a failure
            progress("  stateful  skipped  (no links between the selected operations)")
            result.phase_status["stateful"] = "skipped"
        elif isinstance(event, events.NonFatalError):
            result.add_finding(Finding(check="error", operation=event.label, title=event.info.title,
                                       message=_error_text(event.value),
                                       phase=event.phase.value if event.phase else ""), error=True)
            progress(f"    error  {event.label}: {event.info.title}")
        elif isinstance(event, events.FatalError):
            raise SetupError(f"schemathesis stopped: {event.exception}")
        elif isinstance(event, events.EngineFinished):
            result.stop_reason = event.stop_reason.value


def _collect(recorder: Any, phase: str, result: RunResult) -> None:
    from schemathesis.engine import Status

    for case_id, node in recorder.cases.items():
        case = node.value
        label = case.operation.label
        result.stats(label).cases += 1
        interaction = recorder.interactions.get(case_id)
        # probes with another method (unsupported_method expects 405) do not count towards the operation's codes
        if interaction is not None and interaction.response is not None \
                and str(case.method).upper() == str(case.operation.method).upper():
            result.record_status(label, interaction.response.status_code)
    for case_id, nodes in recorder.checks.items():
        for node in nodes:
            if node.status != Status.FAILURE or node.failure_info is None:
                continue
            failure = node.failure_info.failure
            interaction = recorder.interactions.get(case_id)
            response = interaction.response if interaction is not None else None
            case_node = recorder.cases.get(case_id)
            label = failure.operation or (case_node.value.operation.label if case_node else "")
            result.add_finding(Finding(
                check=node.name, operation=label, title=failure.title, message=failure.message,
                curl=node.failure_info.code_sample, status=response.status_code if response is not None else None,
                response=_excerpt(response.content if response is not None else b""), phase=phase,
                code=failure.code))


def _error_text(error: BaseException) -> str:
    """The error with the failures it groups (hypothesis reports a flaky case as a group around the first one)."""
    import traceback

    lines = traceback.format_exception_only(error)
    for inner in getattr(error, "exceptions", ()) or ():
        lines += ["", *traceback.format_exception_only(inner)]
    return "".join(lines).strip()


def _excerpt(content: bytes | None, limit: int = 600) -> str:
    if not content:
        return ""
    text = content.decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + f"... ({len(content)} bytes)"
