"""The data folders vez ships with, migrations/ and translations/, found the same way wherever vez runs."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def resource_dir(name: str) -> Path:
    """The folder `name` ("migrations", "translations") that belongs to the imported vez package.

    An installed wheel carries it inside the package, as vez/<name> (pyproject.toml maps the top-level folders
    there); a checkout, run in place or installed editable, keeps it at the repository's top level, beside vez/.
    """
    package = Path(str(files("vez")))
    for folder in (package / name, package.parent / name):
        if folder.is_dir():
            return folder
    raise FileNotFoundError(f"vez has no {name}/ folder: neither {package / name} nor {package.parent / name}")
