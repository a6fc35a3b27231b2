"""`apitwin check-drift`: the mock against its own spec, so neither can change without the other.

Per spec: (1) every operation has a handler (the plugin binds its operationId to an importable function, see
apitwin.binding; a document without a plugin may name the function as its operationId) and so has every security
scheme the plugin binds (or `x-*InfoFunc` names); (2) every handler, a public `async def` in a module of the API's handler package
(helpers are plain `def`s), is referenced by the spec; (3) the seed loads: `plugin.seed` refuses data the API itself
would refuse, and every record the plugin lists in `seed_records` validates against its schema; (4) a smoke run
calls every GET operation of an in-process app with seeded ids (found in the parent list, through links, or from the
parameter's examples), and the app's ResponseGuard checks each answer against the spec.

What (3) covers per API: Partners lists every exposed seeded row with its schema (handlers/partners/review.py).
MOLGENIS rows are generic entity rows: its seed loader (apitwin_apis.molgenis.seed_loader.populate) builds and validates
each row against the model's attribute types exactly as a create request does, so a refused row fails the seed and
shows up here as `drift-seed-refused`; the rendered rows are checked by the smoke run.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
import pkgutil
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from apitwin.binding import dotted
from apitwin.discovery import discover
from apitwin.plugin import ApiPlugin
from apitwin.review import examples
from apitwin.review.findings import LINT_SEVERITIES, Finding
from apitwin.review.loader import Loader, LoadError
from apitwin.review.openapi import Location, Operation, Spec
from apitwin.rulebook import Rulebook

DRIFT_RULES: Rulebook = Rulebook("drift", LINT_SEVERITIES)
_add = DRIFT_RULES.add

_add("drift-handler-missing", "error", "An operation's operationId is bound to no importable handler function.")
_add("drift-security-function-missing", "error", "A security scheme's token check (the plugin's binding or "
     "x-*InfoFunc) names no importable function.")
_add("drift-handler-unreferenced", "error", "A handler (public async def in a handler module, i.e. a module some "
     "operationId names) that no operation names.")
_add("drift-handler-import", "error", "A handler module fails to import.")
_add("drift-no-plugin", "error", "The spec's handler package exposes no PLUGIN: the API is not served, so its seed and "
     "a smoke run cannot be checked.")
_add("drift-seed-refused", "error", "The API's seed loader refused its own mockdata.")
_add("drift-seed-record-invalid", "error", "A seeded record, as the API shows it, does not validate against the spec "
     "schema of its resource.")
_add("drift-seed-unchecked", "info", "The plugin lists no seed_records: seeded data is checked by its loader and the "
     "smoke run only.")
_add("drift-smoke-contract", "error", "A smoke-run answer broke the contract (ResponseGuard: status, media type or "
     "schema).")
_add("drift-smoke-server-error", "error", "A smoke-run call answered 5xx.")
_add("drift-smoke-not-found", "warn", "A smoke-run call with a seeded id answered 404.")
_add("drift-smoke-run", "info", "What the smoke run called and how the answers were distributed.")
_add("drift-smoke-unreached", "warn", "A GET operation the smoke run could not call (no value for a required "
     "parameter).")

_INFO_FUNC = re.compile(r"^x-\w+InfoFunc$")


def targets(names: list[str]) -> list[tuple[Path, ApiPlugin | None]]:
    """The specs to check: API names, spec paths, or (none given) every plugin's spec plus every specs/*.yaml of
    the working directory (a spec being written before its handlers)."""
    plugins = discover()
    by_spec = {path.resolve(): p for p in plugins.values() for path in p.spec_files}
    if not names:
        paths = list(by_spec)
        spec_dir = Path.cwd() / "specs"
        paths += sorted(p.resolve() for p in spec_dir.glob("*.y*ml") if p.resolve() not in paths)
        return [(path, by_spec.get(path)) for path in paths]
    chosen = []
    for name in names:
        if name in plugins:
            chosen += [(path.resolve(), plugins[name]) for path in plugins[name].spec_files]
        elif Path(name).is_file():
            path = Path(name).resolve()
            chosen.append((path, by_spec.get(path) or _inferred(name)))
        else:
            raise LoadError(f"{name}: neither an API ({', '.join(plugins) or 'none'}) nor a spec file")
    return chosen


def _inferred(name: str) -> ApiPlugin | None:
    """The plugin `apitwin serve` builds for a plain document (apitwin.inferred), or None when the document names
    handlers of its own (operationIds such as `package.module.function`: a spec being written for a plugin)."""
    from apitwin.inferred.document import DocumentRefused, open_document
    from apitwin.inferred.plugin import build

    try:
        bundled = open_document(name, check=False)
    except DocumentRefused:
        return None
    ids = [op.get("operationId") for item in (bundled.data.get("paths") or {}).values() if isinstance(item, dict)
           for op in item.values() if isinstance(op, dict)]
    if any(isinstance(i, str) and "." in i and i.split(".")[0].isidentifier() and "/" not in i for i in ids):
        return None
    return build(name, bundled=bundled)


def check(spec_path: Path, plugin: ApiPlugin | None, *, smoke: bool = True) -> list[Finding]:
    spec = Spec.open(_relative(spec_path), Loader())
    checker = _Checker(spec, plugin, spec_path.resolve())
    if plugin is not None and plugin.binding.unbound is not None:
        checker.served()
    else:
        checker.handlers()
    if plugin is not None:
        runtime = checker.seed()
        missing = [f for f in checker.findings if f.rule in ("drift-handler-missing", "drift-handler-import",
                                                                "drift-security-function-missing")]
        if missing and smoke:
            checker.emit("drift-smoke-run", f"{plugin.name} smoke run skipped: the app cannot serve every "
                                            "operation yet (see the handler findings)")
        elif runtime is not None and smoke:
            checker.smoke()
    elif checker.package:
        checker.emit("drift-no-plugin", f"{checker.package} exposes no PLUGIN (handlers/<api>/__init__.py): "
                                        "seed data and smoke run not checked", spec.at())
    return checker.findings


class _Checker:
    def __init__(self, spec: Spec, plugin: ApiPlugin | None, path: Path | None = None) -> None:
        self.spec, self.plugin, self.path = spec, plugin, path
        self.findings: list[Finding] = []
        targets = [t for t in map(self.target, (op.operation_id for op in spec.operations if op.operation_id))
                   if t and "." in t]
        modules = [t.rsplit(".", 1)[0] for t in targets]
        self.package = _common_package(modules)

    def target(self, operation_id: str) -> str | None:
        """The dotted `module.function` an operationId runs: bound by the plugin (apitwin.binding), else the
        operationId itself when it is a dotted path (a document whose operationIds name Python)."""
        if self.plugin is not None:
            bound = self.plugin.binding.target(operation_id)
            return dotted(bound) if bound else None
        return operation_id if "." in operation_id else None

    def security_targets(self) -> list[tuple[str, str, str]]:
        """(scheme name, where, dotted function) of every token check: the plugin's binding, and any `x-*InfoFunc`
        a document still carries."""
        schemes = (self.spec.data.get("components") or {}).get("securitySchemes") or {}
        found = []
        for name, scheme in schemes.items():
            for key, value in (scheme.items() if isinstance(scheme, dict) else ()):
                if _INFO_FUNC.match(key) and isinstance(value, str):
                    found.append((name, key, value))
            if self.plugin is not None and name in self.plugin.binding.security:
                found.append((name, "", dotted(self.plugin.binding.security[name])))
        return found

    def emit(self, rule: str, message: str, where: Location | None = None, file: str | None = None,
             line: int | None = None) -> None:
        severity = DRIFT_RULES[rule].level
        if where is not None:
            file, line = where.doc.display, where.line
        self.findings.append(Finding(rule, severity, message, file or self.spec.root.display, line,
                                     where.pointer if where else ""))

    # ------------------------------------------------------------------------------------------------ handlers

    def served(self) -> None:
        """A plugin that binds operations itself (an inferred API): every operation resolves to a handler."""
        assert self.plugin is not None
        from apitwin.specs import load_spec

        bundled = load_spec(self.plugin.spec_file)
        for op in self.spec.operations:
            served = ((bundled.get("paths") or {}).get(op.path) or {}).get(op.method) or {}
            try:
                self.plugin.binding.resolve(served.get("operationId"))
            except Exception as exc:  # noqa: BLE001 - an operation the plugin cannot bind is the finding
                self.emit("drift-handler-missing", f"{op.label} is not served: {exc}", op.where)

    def handlers(self) -> None:
        referenced: set[str] = set()
        for op in self.spec.operations:
            if not op.operation_id:
                self.emit("drift-handler-missing", f"{op.label} has no operationId", op.where)
                continue
            target = self.target(op.operation_id)
            if target is None:
                if self.plugin is not None and self.plugin.binding.unbound is not None:
                    continue   # the plugin's fallback serves it
                self.emit("drift-handler-missing", f"{op.label}: operationId {op.operation_id} is bound to no "
                          "handler" + (" (the plugin's Binding.handlers)" if self.plugin else ""),
                          op.where.child("operationId"))
                continue
            referenced.add(target)
            problem = _importable(target)
            if problem:
                self.emit("drift-handler-missing", f"{op.label}: {problem}", op.where.child("operationId"))
        for name, key, value in self.security_targets():
            referenced.add(value)
            problem = _importable(value)
            if problem:
                where = ("components", "securitySchemes", name) + ((key,) if key else ())
                self.emit("drift-security-function-missing", f"security scheme {name}: {problem}",
                          self.spec.at(*where))
        if self.package:
            self._unreferenced(referenced)

    def _unreferenced(self, referenced: set[str]) -> None:
        try:
            package = importlib.import_module(self.package)
        except Exception as exc:  # noqa: BLE001 - any import failure is the finding
            self.emit("drift-handler-import", f"{self.package}: {type(exc).__name__}: {exc}")
            return
        resource_modules = {r.rsplit(".", 1)[0] for r in referenced}
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            name = f"{self.package}.{info.name}"
            if info.ispkg or name not in resource_modules:
                continue  # helper modules (common, lifecycle, inputs...) may hold async helpers
            try:
                module = importlib.import_module(name)
            except Exception as exc:  # noqa: BLE001
                self.emit("drift-handler-import", f"{name}: {type(exc).__name__}: {exc}", file=_file_of(name))
                continue
            for attr, func in vars(module).items():
                if attr.startswith("_") or not inspect.isfunction(func) or func.__module__ != name:
                    continue  # (isfunction first: modules hold context proxies that must not be touched)
                if not inspect.iscoroutinefunction(func):
                    continue
                if f"{name}.{attr}" not in referenced:
                    self.emit("drift-handler-unreferenced", f"{name}.{attr} is a handler no operation names",
                              file=_relative(inspect.getsourcefile(func)), line=inspect.getsourcelines(func)[1])

    # ------------------------------------------------------------------------------------------------ seed

    def seed(self) -> Any:
        from apitwin.app import build_runtime
        from apitwin.settings import Settings

        assert self.plugin is not None
        data_dir = self.plugin.mockdata_dir
        try:
            runtime = build_runtime(self.plugin, Settings(), "")
        except Exception as exc:  # noqa: BLE001 - whatever the loader raises is the finding
            problems = getattr(exc, "problems", None) or [f"{type(exc).__name__}: {exc}"]
            for problem in problems:
                self.emit("drift-seed-refused", f"{self.plugin.name} seed ({_relative(data_dir)}): {problem}",
                          file=_relative(data_dir))
            return None
        if self.plugin.tooling.seed_records is None:
            self.emit("drift-seed-unchecked", f"{self.plugin.name}: no seed_records in its plugin; seeded rows are "
                                              "checked by the seed loader and the smoke run", file=_relative(data_dir))
            return runtime
        schemas = (self.spec.data.get("components") or {}).get("schemas") or {}
        elsewhere = self._other_documents_schemas()
        for label, schema_name, record in self.plugin.tooling.seed_records(runtime):
            if schema_name not in schemas and schema_name in elsewhere:
                continue                      # a record of another document of this API: checked with that one
            if schema_name not in schemas:
                self.emit("drift-seed-record-invalid", f"{label}: no schema {schema_name} in the spec",
                          file=_relative(data_dir))
                continue
            example = examples.Example(self.spec.at(), self.spec.at("components", "schemas", schema_name), record)
            problems = examples.errors(self.spec, example)
            if problems:
                self.emit("drift-seed-record-invalid", f"{label} does not match {schema_name}: {problems[0]}",
                          file=_relative(data_dir))
        return runtime

    def _other_documents_schemas(self) -> set[str]:
        """Schema names of the plugin's other documents (an API serving several, e.g. MOLGENIS v1 and v2)."""
        from apitwin.specs import load_spec

        assert self.plugin is not None
        names: set[str] = set()
        for path in self.plugin.spec_files:
            if path.resolve() != self.path:
                names |= set(((load_spec(path).get("components") or {}).get("schemas") or {}))
        return names

    # ------------------------------------------------------------------------------------------------ smoke run

    def smoke(self) -> None:
        from apitwin.app import create_app
        from apitwin.specs import spec_base_path

        assert self.plugin is not None
        broken = _ContractLog()
        logger = logging.getLogger("apitwin")
        level, propagate = logger.level, logger.propagate
        logger.addHandler(broken)
        logger.setLevel(min(level or logging.ERROR, logging.ERROR))  # hear ResponseGuard even if quietened
        logger.propagate = False                                     # the findings say it; no stderr echo
        try:
            app = create_app([self.plugin])
            with app.test_client() as client:
                tooling = self.plugin.tooling
                headers = tooling.smoke_headers(client) if tooling.smoke_headers else {}
                params = tooling.smoke_params(client) if tooling.smoke_params else {}
                self._calls(client, (headers, params), spec_base_path(self._served()), broken)   # at its root
        except Exception as exc:  # noqa: BLE001 - an app that cannot start or answer is the finding
            self.emit("drift-smoke-server-error", f"{self.plugin.name} smoke run stopped: {type(exc).__name__}: "
                                                  f"{examples.short(str(exc))}")
        finally:
            logger.removeHandler(broken)
            logger.setLevel(level)
            logger.propagate = propagate

    def _served(self) -> dict[str, Any]:
        """The document the app serves: this one for an API's own spec, else the plugin's (a plain document is
        served as its bundle, whose servers are resolved: `{scheme}://{host}` with variables becomes a URL)."""
        from apitwin.specs import load_spec

        assert self.plugin is not None
        if self.path in {path.resolve() for path in self.plugin.spec_files}:
            return self.spec.data
        return load_spec(self.plugin.spec_file)

    def _calls(self, client: Any, auth: tuple[dict[str, str], dict[str, str]], base: str,
               broken: "_ContractLog") -> None:
        """Every GET, each carrying `auth`: (headers, query parameters) the API's credential travels in."""
        gets = [op for op in self.spec.operations if op.method == "get"]
        known: dict[str, Any] = {}
        statuses: dict[int, int] = {}
        try:
            self._walk(gets, known, statuses, client, auth, base, broken)
        finally:
            spread = ", ".join(f"{n}x {status}" for status, n in sorted(statuses.items())) or "no calls"
            self.emit("drift-smoke-run", f"{self.plugin.name if self.plugin else ''} smoke run: "
                      f"{sum(statuses.values())} GET calls of {len(gets)} operations: {spread}")

    def _walk(self, gets: list[Operation], known: dict[str, Any], statuses: dict[int, int], client: Any,
              auth: tuple[dict[str, str], dict[str, str]], base: str, broken: "_ContractLog") -> None:
        headers, params = auth
        pending = sorted(gets, key=lambda op: (op.path.count("{"), op.path))
        while pending:
            progress, waiting = False, []
            for op in pending:
                values = self._arguments(op, known)
                if values is None:
                    waiting.append(op)
                    continue
                progress = True
                path_values, query = values
                url = base + re.sub(r"\{([^{}]+)\}", lambda m: quote(str(path_values[m.group(1)]), safe=""), op.path)
                broken.records.clear()
                response = client.get(url, params={**query, **params}, headers=headers)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                self._judge(op, url, response, broken, bool(path_values))
                if response.status_code == 200:
                    self._learn(op, response, known)
            if not progress:
                for op in waiting:
                    self.emit("drift-smoke-unreached", f"{op.label}: no seeded value for "
                              f"{', '.join(self._missing(op, known))}", op.where)
                return
            pending = waiting

    def _judge(self, op: Operation, url: str, response: Any, broken: "_ContractLog", seeded: bool) -> None:
        if broken.records:
            for record in broken.records:
                self.emit("drift-smoke-contract", f"GET {url}: {record}", op.where)
        elif response.status_code >= 500:
            self.emit("drift-smoke-server-error", f"GET {url} answered {response.status_code}", op.where)
        elif response.status_code == 404 and seeded:
            self.emit("drift-smoke-not-found", f"GET {url} answered 404 with a seeded id", op.where)

    def _required(self, op: Operation) -> list[dict[str, Any]]:
        return [p for p, _ in self.spec.parameters(op)
                if p.get("in") == "path" or (p.get("in") == "query" and p.get("required"))]

    def _arguments(self, op: Operation, known: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
        path_values, query = {}, {}
        for param in self._required(op):
            name = str(param.get("name"))
            value = known.get(name, _example_of(param))
            if value is None:
                return None
            (path_values if param.get("in") == "path" else query)[name] = value
        return path_values, query

    def _missing(self, op: Operation, known: dict[str, Any]) -> list[str]:
        return [str(p.get("name")) for p in self._required(op)
                if known.get(str(p.get("name")), _example_of(p)) is None]

    def _learn(self, op: Operation, response: Any, known: dict[str, Any]) -> None:
        """Ids for the operations below this path (first item of a list answer) and the values of its links."""
        try:
            body = response.json()
        except ValueError:
            return
        item = _first_item(body)
        if item is not None:
            # a parameter right after this list's path, at the end (`/things/{id}`) or in the middle of the path
            # (`/tags/{tag}/visits`): the first row's field of that name, its id, its href, or the row itself
            for child in self.spec.operations:
                for match in re.finditer(r"/\{([^{}]+)\}(?=/|$)", child.path):
                    name = match.group(1)
                    if child.path[:match.start()].rstrip("/") != op.path.rstrip("/") or name in known:
                        continue
                    value = item.get(name, item.get("id")) if isinstance(item, dict) else item
                    if value is None and isinstance(item, dict) and isinstance(item.get("href"), str):
                        value = item["href"].rstrip("/").rsplit("/", 1)[-1]
                    if value is not None:
                        known[name] = value
        for _, response_node, _ in self.spec.responses(op):
            for link in (response_node.get("links") or {}).values():
                for name, expression in ((link or {}).get("parameters") or {}).items():
                    value = _from_body(body, expression)
                    if value is not None:
                        known.setdefault(name.split(".", 1)[-1], value)


class _ContractLog(logging.Handler):
    """Collects ResponseGuard's "response breaks the contract" reports during one call."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "breaks the contract" in message:
            self.records.append(message.split(": ", 1)[-1] if ": " in message else message)


def _importable(dotted: str) -> str | None:
    """None when `dotted` names a callable; otherwise why not."""
    module_name, _, attr = dotted.rpartition(".")
    if not module_name:
        return f"{dotted} is not a dotted module.function path"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        return f"module {exc.name or module_name} does not exist (for {dotted})"
    except Exception as exc:  # noqa: BLE001
        return f"module {module_name} fails to import: {type(exc).__name__}: {exc}"
    if not callable(getattr(module, attr, None)):
        return f"{module_name} has no function {attr}"
    return None


def _common_package(modules: list[str]) -> str:
    if not modules:
        return ""
    parts = [m.split(".") for m in modules]
    common: list[str] = []
    for tokens in zip(*parts):
        if len(set(tokens)) != 1:
            break
        common.append(tokens[0])
    if common == parts[0] and len(set(modules)) == 1:   # a single module: its package
        common = common[:-1]
    return ".".join(common)


def _file_of(module: str) -> str:
    """The module's source file (an import name need not match the folder it is installed from)."""
    try:
        spec = importlib.util.find_spec(module)
    except Exception:  # noqa: BLE001 - a broken parent package: fall back to the dotted name
        spec = None
    if spec is not None and spec.origin:
        return _relative(spec.origin)
    return str(Path(*module.split("."))) + ".py"


def _relative(path: Any) -> str:
    """Paths under the working directory as relative ones (a checkout), others (an installed package) in full."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, TypeError):
        return str(path)


def _example_of(param: dict[str, Any]) -> Any:
    schema = param.get("schema") if isinstance(param.get("schema"), dict) else {}
    if "example" in param:
        return param["example"]
    for named in (param.get("examples") or {}).values():
        if isinstance(named, dict) and "value" in named:
            return named["value"]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    return None


def _is_row(value: Any) -> bool:
    """An object, or a plain string or integer (a list of tags lists the tags themselves)."""
    return isinstance(value, (dict, str, int)) and not isinstance(value, bool)


def _first_item(body: Any, wrapped: bool = False) -> Any:
    """The first row of a list answer: a bare array, an envelope (`results`/`items`/`data`), or an envelope in one
    wrapping object (Shlink: `{"shortUrls": {"data": [...], "pagination": {...}}}`); None when it has none."""
    if isinstance(body, list):
        return body[0] if body and _is_row(body[0]) else None
    if isinstance(body, dict):
        for key in ("results", "items", "data"):
            if isinstance(body.get(key), list) and body[key] and _is_row(body[key][0]):
                return body[key][0]
        if not wrapped and len(body) == 1 and isinstance(next(iter(body.values())), dict):
            return _first_item(next(iter(body.values())), wrapped=True)
    return None


def _from_body(body: Any, expression: Any) -> Any:
    if not isinstance(expression, str) or not expression.startswith("$response.body#"):
        return None
    node = body
    for token in expression.split("#", 1)[1].split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node if isinstance(node, (str, int)) else None


def run(names: list[str], *, smoke: bool = True) -> tuple[list[str], list[Finding]]:
    """(spec files checked, findings) for the chosen APIs/specs."""
    files, findings = [], []
    for path, plugin in targets(names):
        files.append(_relative(path))
        findings.extend(check(path, plugin, smoke=smoke))
    return files, findings

