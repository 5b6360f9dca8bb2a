"""The engine never imports Textual: report and every non-UI module stay usable headless."""

import pkgutil
import subprocess
import sys

import sestui


def engine_modules() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(sestui.__path__, "sestui.")]
    return [n for n in names if not n.startswith("sestui.ui") and n != "sestui.__main__"]


def test_engine_modules_do_not_import_textual():
    modules = engine_modules()
    assert "sestui.report" in modules and "sestui.store" in modules
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + "print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
