"""The layout holds (docs/architecture.md): blueprints → domain packages (vez.identity, …) → models.

No module of one blueprint imports another blueprint's views, and no module outside the blueprints imports
any blueprint's views. Read with ast: nothing is imported to check it.
"""

from __future__ import annotations

import ast
from pathlib import Path

VEZ = Path(__file__).resolve().parents[1] / "vez"
BLUEPRINTS = (
    "home",
    "auth",
    "registration",
    "activation",
    "recovery",
    "cabinet",
    "payments",
    "paylinks",
    "admin",
    "devmail",
    "company",
    "api",
)


def module_name(path: Path, root: Path = VEZ) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path = VEZ) -> set[str]:
    """Every module an import statement names, relative imports resolved, `from x import y` as x and x.y."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def blueprint_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "vez" and parts[1] in BLUEPRINTS else None


def views_of(module: str) -> str | None:
    """The views module this names (vez.auth.views for vez.auth.views or vez.auth.views.X), else None."""
    parts = module.split(".")
    if len(parts) >= 3 and blueprint_of(module) and parts[2] == "views":
        return ".".join(parts[:3])
    return None


def violations(root: Path = VEZ) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        module = module_name(path, root)
        own = blueprint_of(module)
        targets = {views_of(name) for name in imported_modules(path, root)} - {None}
        for target in sorted(targets):
            if blueprint_of(target) == own:
                continue
            where = f"the {own} blueprint" if own else "a module outside the blueprints"
            found.append(f"{module} ({where}) imports {target}")
    return found


def test_no_module_imports_another_blueprints_views():
    assert violations() == []


def test_the_check_sees_a_crossing(tmp_path):
    """The walk itself works: a planted import of another blueprint's views is found."""
    fake = tmp_path / "vez"
    for package in ("registration", "identity"):
        (fake / package).mkdir(parents=True)
        (fake / package / "__init__.py").write_text("")
    (fake / "registration" / "views.py").write_text("from vez.auth.views import PENDING_USER\n")
    (fake / "identity" / "signup.py").write_text("from ..registration import views\n")
    (fake / "registration" / "forms.py").write_text("from vez.registration import views\nfrom vez.auth import forms\n")
    assert violations(fake) == [
        "vez.identity.signup (a module outside the blueprints) imports vez.registration.views",
        "vez.registration.views (the registration blueprint) imports vez.auth.views",
    ]


def test_the_identity_core_has_no_http():
    """vez.identity is a domain package: no blueprint, no request object, no view of anyone."""
    for path in sorted((VEZ / "identity").rglob("*.py")):
        names = imported_modules(path)
        assert not any(blueprint_of(name) for name in names), (path.name, sorted(names))
        assert "flask.request" not in names and "flask.Blueprint" not in names, path.name
