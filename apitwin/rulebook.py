"""One shape and one registry for every rule apitwin reports by id: lint rules, diff rules, drift rules and the
contract suite's property checks.

Modelled on schemathesis' check registry (`@schemathesis.check`): a rule is declared once, where it is
implemented, with its id, its default level and a one-line description. Rules that are one function (lint rules,
contract properties) register with the `@book.rule(...)` decorator; rules a walker emits from many places (diff,
drift) are declared with `book.add(...)`. A book is a read-only mapping id → `Rule`, in declaration order, which is
also the order the rules run in; configuration (`apitwin.toml`) validates rule ids and levels against it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Generic, Iterator, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Rule(Generic[F]):
    id: str
    level: str                  # the default: lint/drift error | warn | info; diff breaking | non-breaking | info
    description: str
    check: F | None = None      # the function finding violations, for rules that are one (lint, contract properties)
    # what every finding of the rule carries besides, e.g. {"oasdiff": "api-path-removed-without-deprecation"}
    extra: Mapping[str, str] = field(default_factory=dict)


class Rulebook(Mapping[str, Rule[F]]):
    """The rules of one kind, by id, in declaration order."""

    def __init__(self, kind: str, levels: tuple[str, ...]) -> None:
        self.kind = kind
        self.levels = levels
        self._rules: dict[str, Rule[F]] = {}

    def add(self, rule_id: str, level: str, description: str, check: F | None = None, **extra: str) -> Rule[F]:
        """Declare a rule; a second rule with the same id, or an unknown level, is a programming error."""
        if rule_id in self._rules:
            raise ValueError(f"{self.kind} rule {rule_id!r} is declared twice")
        if level not in self.levels:
            raise ValueError(f"{self.kind} rule {rule_id!r}: level {level!r} is not one of {', '.join(self.levels)}")
        rule: Rule[F] = Rule(rule_id, level, description, check, MappingProxyType(dict(extra)))
        self._rules[rule_id] = rule
        return rule

    def rule(self, rule_id: str, level: str, description: str, **extra: str) -> Callable[[F], F]:
        """Decorator: the function is the rule's check."""
        def register(check: F) -> F:
            self.add(rule_id, level, description, check, **extra)
            return check
        return register

    def __getitem__(self, rule_id: str) -> Rule[F]:
        return self._rules[rule_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)
