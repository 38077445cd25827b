"""What the server imports must come with its runtime dependencies (`pip install .`, as run.sh and the
Docker image do), not only with the test extras: the worker once imported httpx, a test tool, and
`./run.sh` died on a fresh machine."""

import ast
import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, requires

from packaging.requirements import Requirement

from api.config import REPO_ROOT


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _runtime_closure() -> set[str]:
    """The distributions `pip install .` brings: the declared ones and, recursively, what they require
    (with the extras asked for, e.g. uvicorn[standard])."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    todo = [Requirement(line) for line in project["dependencies"]]
    seen: set[str] = set()
    while todo:
        requirement = todo.pop()
        name = _name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            lines = requires(requirement.name) or []
        except PackageNotFoundError:
            continue
        for line in lines:
            needed = Requirement(line)
            extras = requirement.extras or {""}
            if needed.marker is None or any(needed.marker.evaluate({"extra": extra}) for extra in extras):
                todo.append(needed)
    return seen


def _imported_top_levels() -> set[str]:
    names = set()
    for path in (REPO_ROOT / "api").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"api"}


def test_the_server_imports_only_what_its_runtime_dependencies_install():
    runtime = _runtime_closure()
    providers = packages_distributions()
    imported = _imported_top_levels()
    assert {"fastapi", "sqlmodel", "PIL"} <= imported  # the walk sees the server's imports
    missing = {module: providers.get(module) for module in imported
               if not any(_name(dist) in runtime for dist in providers.get(module, []))}
    assert missing == {}, f"imported by api/ but not installed by `pip install .`: {missing}"
