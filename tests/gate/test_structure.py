"""Structural rules, read from the source: state fields change only in `pathways/models/`, every run starts
through `engine.start_run`, and no view imports an SAP client or opens a connection."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "pathways"
STATE_FIELDS = {"state", "status"}
# Attributes named `status` that are not a row's state: an HTTP status on SAP's error (no Django there).
NOT_ROWS = {ROOT / "sap", ROOT / "errors.py"}


def modules(under: Path = ROOT):
    for path in sorted(under.rglob("*.py")):
        if "migrations" in path.parts or any(path.is_relative_to(p) for p in NOT_ROWS):
            continue
        yield path, ast.parse(path.read_text(), filename=str(path))


def state_writes(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                elements = target.elts if isinstance(target, ast.Tuple) else [target]
                if any(isinstance(e, ast.Attribute) and e.attr in STATE_FIELDS for e in elements):
                    lines.append(node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update":
            if any(k.arg in STATE_FIELDS for k in node.keywords):
                lines.append(node.lineno)
    return lines


def test_no_module_outside_models_changes_a_state_field():
    offenders = {
        str(path.relative_to(ROOT)): found
        for path, tree in modules()
        if not path.is_relative_to(ROOT / "models") and (found := state_writes(tree))
    }
    assert not offenders, f"state written outside pathways/models/: {offenders}"


def test_the_rule_finds_a_state_write_when_there_is_one():
    assert state_writes(ast.parse("run.state = 'failed'")) == [1]
    assert state_writes(ast.parse("Run.objects.filter(pk=1).update(state='failed')")) == [1]
    assert state_writes(ast.parse("a.message, a.status = 'x', 'y'")) == [1]


def test_no_view_imports_an_sap_client_or_opens_a_connection():
    offenders = []
    for path, tree in modules(ROOT / "views"):
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and (node.module.startswith("pathways.sap") or node.module == "pathways.engine.connect")
            ):
                offenders.append(f"{path.name}:{node.lineno} imports {node.module}")
            if isinstance(node, ast.Name) and node.id == "Connection":
                offenders.append(f"{path.name}:{node.lineno} uses Connection")
    assert not offenders, offenders


def test_every_run_row_is_created_by_start_run():
    creators = []
    for path, tree in modules():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "create"
                and isinstance(node.func.value, ast.Attribute)
                and node.func.value.attr == "objects"
                and isinstance(node.func.value.value, ast.Name)
                and node.func.value.value.id == "Run"
            ):
                creators.append(str(path.relative_to(ROOT)))
    assert creators == ["engine/runs.py"], creators
