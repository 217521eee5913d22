"""The README's promises that code can check."""

from __future__ import annotations

import re
from pathlib import Path

from states.machine import mermaid

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_state_diagram_is_the_machines_own() -> None:
    block = re.search(r"```mermaid\n(.*?)```", README, re.S)
    assert block, "the README has no mermaid block"
    assert block.group(1) == mermaid(), "README diagram is stale: paste states.machine.mermaid()"


def test_ci_runs_the_readmes_test_command() -> None:
    commands = re.findall(r"```sh\n(python3 -m pip install uv[^\n]*)\n```", README)
    assert len(commands) == 2 and commands[0].endswith("kulturskole demo")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()
