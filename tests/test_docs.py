"""Every code snippet of the README and of docs/ runs: python blocks in a fresh namespace, bash blocks
whose commands are ``bigmul`` (with ``cmp`` to compare what they wrote) as scripts that must succeed.

Set-up commands (``python3 -m venv ...``) and synopses (```` ```text ```` blocks) are not run here;
``.ci/run`` runs the README's set-up and test command itself.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def blocks(lang: str) -> list[tuple[str, int, str]]:
    out = []
    for page in PAGES:
        text = page.read_text()
        for i, m in enumerate(BLOCK.finditer(text)):
            if m.group(1) == lang:
                out.append((page.relative_to(ROOT).as_posix(), i, m.group(2)))
    return out


def runnable_shell(code: str) -> bool:
    words = [ln.split()[0] for ln in code.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return bool(words) and words[0] == "bigmul" and set(words) <= {"bigmul", "cmp"}


PYTHON = blocks("python")
BASH = [b for b in blocks("bash") if runnable_shell(b[2])]


def test_the_pages_have_snippets_to_run():
    assert len(PYTHON) >= 5 and len(BASH) >= 2
    assert any(p == "README.md" for p, _, _ in PYTHON) and any(p == "README.md" for p, _, _ in BASH)


@pytest.mark.parametrize("page,index,code", PYTHON, ids=[f"{p}#{i}" for p, i, _ in PYTHON])
def test_python_snippet_runs(page, index, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(code, f"{page} block {index}", "exec"), {"__name__": "__snippet__"})


@pytest.mark.parametrize("page,index,code", BASH, ids=[f"{p}#{i}" for p, i, _ in BASH])
def test_bash_snippet_runs(page, index, code, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIGMUL_")}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", code], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"{page} block {index}:\n{r.stderr[-2000:]}"


def test_ci_runs_the_readme_test_command_verbatim_and_builds_the_docs():
    readme = (ROOT / "README.md").read_text()
    command = next(ln for _, _, code in blocks("bash") for ln in code.splitlines() if "pytest" in ln)
    assert command in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert command in ci
    assert "mkdocs build --strict" in ci and '".[docs]"' in ci
