"""The README's Python example runs as written."""

from __future__ import annotations

import re

from conftest import REPO


def test_the_readme_python_example_runs(tmp_path, cli, monkeypatch):
    text = (REPO / "README.md").read_text()
    section = text.split("## Python\n", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "assets").symlink_to(REPO / "assets")
    cli.run("run", "--backend", "cpu")  # oxyfield-out/default, which the example loads
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["o2"].shape == (32, 64, 64)
    assert (tmp_path / "o2_xz.png").is_file()
    assert list(namespace["rt"].timeline["time_h"]) == list(range(13))
    assert namespace["cli_run"]["o2"].shape == (64, 128, 128)
