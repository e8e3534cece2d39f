"""How the sandbox broker is put together: one literal API table checked against the protocol
schemas, coordinators built by each broker and re-elected by the cluster, and a package whose
modules import each other without cycles (module-level imports only)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from engine.sandbox import Sandbox
from engine.sandbox.cluster import COORDINATOR_PARTITIONS
from engine.sandbox.common.protocol import API_KEYS, schema_versions
from engine.sandbox.coordinator.group.group_coordinator import GroupCoordinator
from engine.sandbox.coordinator.transaction.transaction_coordinator import TransactionCoordinator
from engine.sandbox.server import core_apis
from engine.sandbox.server.api_handlers import API_HANDLERS, HANDLERS, ApiHandler, handlers_by_key

from tests.paths import ROOT

SANDBOX = ROOT / "engine" / "sandbox"


# --- the API table ----------------------------------------------------------------------------

def test_every_row_lies_within_its_schema_and_each_api_appears_once() -> None:
    assert len(HANDLERS) == len(API_HANDLERS)
    for handler in API_HANDLERS:
        low, high = schema_versions(handler.api_key)
        assert low <= handler.min_version <= handler.max_version <= high, handler.name
        assert API_KEYS[handler.name] == handler.api_key
    assert [h.name for h in API_HANDLERS].count("InitProducerId") == 1


def test_a_row_outside_the_schema_is_refused_when_built() -> None:
    with pytest.raises(ValueError, match=r"Produce v3-99 is outside its schema's validVersions"):
        ApiHandler("Produce", 3, 99, core_apis.produce)
    with pytest.raises(ValueError, match="no Kafka API is named 'Prodce'"):
        ApiHandler("Prodce", 3, 9, core_apis.produce)


def test_an_api_listed_twice_is_refused() -> None:
    row = ApiHandler("Produce", 3, 9, core_apis.produce)
    with pytest.raises(ValueError, match="Produce appears twice"):
        handlers_by_key((row, ApiHandler("Produce", 3, 8, core_apis.produce)))


# --- coordinators -----------------------------------------------------------------------------

def owned(sb: Sandbox) -> dict[int, tuple[set[int], set[int]]]:
    """Per broker: the __consumer_offsets and __transaction_state partitions its coordinators lead."""
    def read() -> dict[int, tuple[set[int], set[int]]]:
        return {b.broker_id: (set(b.group_coordinator.owned_partitions), set(b.transaction_coordinator.owned))
                for b in sb.cluster.brokers.values()}
    return sb._run(read)


def assert_partitions_split_among(found: dict[int, tuple[set[int], set[int]]], running: set[int]) -> None:
    for kind in (0, 1):
        seen: list[int] = []
        for broker_id, sets in found.items():
            if broker_id not in running:
                assert sets[kind] == set(), (broker_id, kind)
            seen.extend(sets[kind])
        assert sorted(seen) == list(range(COORDINATOR_PARTITIONS))     # each exactly once


def test_each_broker_builds_typed_coordinators_and_the_cluster_re_elects_them() -> None:
    with Sandbox(brokers=3) as sb:
        for broker in sb.cluster.brokers.values():
            assert isinstance(broker.group_coordinator, GroupCoordinator)
            assert isinstance(broker.transaction_coordinator, TransactionCoordinator)
            assert broker.group_coordinator.manager is sb.cluster.group_metadata
            assert broker.transaction_coordinator.state is sb.cluster.transaction_state
        assert_partitions_split_among(owned(sb), {1, 2, 3})
        sb.stop_broker(2)
        assert_partitions_split_among(owned(sb), {1, 3})
        sb.start_broker(2)
        assert_partitions_split_among(owned(sb), {1, 2, 3})
        assert owned(sb)[2] != (set(), set())


# --- module structure -------------------------------------------------------------------------

def sandbox_modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(SANDBOX.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def module_level_imports(tree: ast.Module, modules: dict[str, Path]) -> set[str]:
    """The sandbox modules a module imports when it is loaded (TYPE_CHECKING blocks excluded)."""
    found: set[str] = set()
    for node in tree.body:
        if is_type_checking_block(node):
            continue
        for inner in ast.walk(node):
            names: list[str] = []
            if isinstance(inner, ast.Import):
                names = [alias.name for alias in inner.names]
            elif isinstance(inner, ast.ImportFrom) and inner.module:
                names = [inner.module] + [f"{inner.module}.{alias.name}" for alias in inner.names]
            found.update(name for name in names if name in modules)
    return found


def test_imports_are_module_level_and_acyclic() -> None:
    modules = sandbox_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                nested = [n for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))]
                assert not nested, f"{path}:{nested[0].lineno if nested else 0}: import inside {node.name}()"
        bare_strings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}   # docstrings
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in bare_strings:
                assert not node.value.startswith("engine."), \
                    f"{path}:{node.lineno}: {node.value!r}: modules are wired by import, not by name"
        graph[name] = module_level_imports(tree, modules) - {name}
    # Depth-first search for a back edge; report the cycle it closes.
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = "open"
        stack.append(module)
        for dep in sorted(graph[module]):
            if state.get(dep) == "open":
                cycle = stack[stack.index(dep):] + [dep]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)


# --- documentation ----------------------------------------------------------------------------

def public_definitions(tree: ast.Module) -> list[tuple[str, ast.AST]]:
    """Module-level functions and classes, and the methods of public classes, without a leading _."""
    found: list[tuple[str, ast.AST]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                    and not child.name.startswith("_"):
                found.append((prefix + child.name, child))
                if isinstance(child, ast.ClassDef):
                    visit(child, f"{prefix}{child.name}.")

    visit(tree, "")
    return found


def test_every_public_definition_has_a_docstring() -> None:
    missing = [f"{path.relative_to(ROOT)}:{node.lineno} {name}"
               for path in sandbox_modules().values()
               for name, node in public_definitions(ast.parse(path.read_text()))
               if ast.get_docstring(node) is None]      # type: ignore[arg-type]
    assert not missing, "public definitions without a docstring:\n" + "\n".join(missing)


def test_docs_and_comments_cite_no_design_notes_or_issue_numbers() -> None:
    pattern = re.compile(r"issue [0-9]|DESIGN\.md|\.\./shared|shared/corpus", re.IGNORECASE)
    hits = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
            for path in sandbox_modules().values()
            for n, line in enumerate(path.read_text().splitlines(), 1) if pattern.search(line)]
    assert not hits, "\n".join(hits)
