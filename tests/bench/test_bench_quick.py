"""Every bench group runs in quick mode (`make bench QUICK=1`): small sizes, every result
checked, every declared metric present, budgets not enforced, so a broken bench fails here."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tests.bench as package
from tests.bench.runner import PREFIX, discover
from tests.e2e.xsession import missing_tools

REPO = Path(__file__).resolve().parents[2]
# The .deb build behind bench_dist is reused while its sources are unchanged; a first build
# takes a few minutes on a loaded machine.
TIMEOUT = {"dist": 1500}


def _params() -> list:
    params = []
    for group in discover(package):
        module = importlib.import_module(f"{package.__name__}.{PREFIX}{group}")
        marks = [pytest.mark.bench]
        if hasattr(module, "X_TOOLS"):
            marks.append(pytest.mark.e2e)
        params.append(pytest.param(group, module, marks=marks, id=group))
    return params


@pytest.mark.parametrize(("group", "module"), _params())
def test_the_group_runs_in_quick_mode_with_every_metric(group: str, module) -> None:
    tools = getattr(module, "X_TOOLS", None)
    if tools is not None and missing_tools(tools):
        # As for the e2e tests: skipped on a machine without them, a failure under CI.
        message = f"X tools missing: {', '.join(missing_tools(tools))} (sh tests/system-deps.sh)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the benches: {message}", pytrace=False)
        pytest.skip(message)
    paths = [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench", "--quick", group],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT.get(group, 300),
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr[-6000:]}"
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert sorted(row["metric"] for row in rows) == sorted(module.METRICS)
    assert done.stderr.splitlines()[-1].endswith(": PASS")
