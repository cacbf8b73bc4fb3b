"""The house's own import-linter contract types (pyproject.toml, ``[tool.importlinter]``).

import-linter checks which module imports which; these two check how:

- ``private_names``: no module imports another module's private name (``_x``). A name
  starting with an underscore is its module's own business; a second module that needs it
  needs a public function instead.
- ``module_level_imports``: a module imports the project's modules at its top, never inside a
  function. A call-time import hides a dependency (often a cycle) from the reader and from the
  other contracts; where a reaction must cross apps against the dependency order, an explicit
  hook does it (``campaigns/hooks.py``). ``allowed_in`` lists the functions that must import
  late by Django's own rules (``AppConfig.ready``).

Both read the source of every module of the root packages (migrations excluded) with ``ast``.
"""

from __future__ import annotations

import abc
import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def _source_path(module: str) -> Path | None:
    """The module's file, found from the project root without importing it (importing would
    need Django set up)."""
    base = Path(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _modules(graph: Any, roots: set[str]) -> Iterator[tuple[str, ast.Module]]:
    for module in sorted(graph.modules):
        if module.split(".")[0] not in roots or ".migrations" in module:
            continue
        path = _source_path(module)
        if path is not None:
            yield module, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".")
    base = package[: len(package) - node.level]
    return ".".join(base + ([node.module] if node.module else []))


class _SourceContract(Contract):
    """A contract over the source of the root packages' modules."""

    root_packages = fields.SetField(subfield=fields.StringField())

    @abc.abstractmethod
    def violations(self, module: str, tree: ast.Module) -> Iterator[str]:
        """The problems of one module, one line each."""

    def strings(self, field_name: str) -> set[str]:
        """A set field's value: import-linter replaces each class-level field with its parsed
        value (or None when optional and absent) on the instance."""
        return {str(item) for item in getattr(self, field_name) or ()}

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        roots = self.strings("root_packages")
        found = [f"{module}: {problem}" for module, tree in _modules(graph, roots)
                 for problem in self.violations(module, tree)]
        return ContractCheck(kept=not found, metadata={"violations": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["violations"]:
            output.print_error(f"- {line}", bold=False)
            output.new_line()


class PrivateNamesContract(_SourceContract):
    """No module imports a private name (``_x``, not ``__x__``) of another module."""

    type_name = "private_names"

    def violations(self, module: str, tree: ast.Module) -> Iterator[str]:
        roots = self.strings("root_packages")
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            source = _absolute(module, node)
            if source.split(".")[0] not in roots:
                continue
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    yield f"l.{node.lineno} imports {source}.{alias.name}"


class ModuleLevelImportsContract(_SourceContract):
    """The project's modules are imported at module level, not inside functions."""

    type_name = "module_level_imports"
    allowed_in = fields.SetField(subfield=fields.StringField(), required=False)

    def violations(self, module: str, tree: ast.Module) -> Iterator[str]:
        roots = self.strings("root_packages")
        allowed = self.strings("allowed_in")
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if function.name in allowed:
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom):
                    names = [_absolute(module, node)]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                else:
                    continue
                for name in names:
                    if name.split(".")[0] in roots:
                        yield f"l.{node.lineno} imports {name} inside {function.name}()"
