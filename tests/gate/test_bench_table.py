"""The benchmark table in README.md is the one bench/results.json makes, and the benchmark stands on its
own (it imports nothing from tests/)."""

import ast
from pathlib import Path

from bench import report

BENCH = Path(report.__file__).resolve().parent


def test_the_readme_table_is_the_one_the_results_make():
    shown = report.readme_table(report.README.read_text())
    assert shown is not None, "README.md lost the benchmark table's markers"
    assert shown == report.markdown(report.load()).strip(), (
        "README.md's benchmark table differs from bench/results.json: run `python -m bench` (or "
        "`python -c 'from bench import report; report.write_readme(report.load())'`)"
    )


def test_every_figure_in_the_results_has_a_target_and_a_verdict():
    for figure, _measured, target, verdict in report.rows(report.load()):
        if figure.startswith("P"):
            assert target != "–" and verdict in ("pass", "**fail**"), figure


def test_the_benchmark_imports_nothing_from_the_tests():
    for module in BENCH.glob("*.py"):
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not [name for name in names if name == "tests" or name.startswith("tests.")], module.name
