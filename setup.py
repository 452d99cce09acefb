"""The build steps pyproject.toml cannot say: the wheel's packages from the top-level folders, compiled catalogs.

migrations/ and translations/ stay at the repository's top level; the wheel carries them as vez/migrations and
vez/translations (package-dir in pyproject.toml), and build_py compiles the catalogs there (.mo files are built,
never committed). An editable install compiles them in place, into translations/, as `make translations` does.
"""

import shutil
from pathlib import Path

from setuptools import find_namespace_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def compile_catalogs(folder: Path) -> None:
    """Every <folder>/<locale>/LC_MESSAGES/*.po to its .mo, quietly (English is the source: nothing to report)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted(folder.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        with po.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalog, use_fuzzy=False)


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        editable = getattr(self, "editable_mode", False)
        built = Path(self.build_lib) / "vez"
        if not editable and not self.dry_run:
            # pip builds in the source tree: a file deleted since the last build (a migration) must not ship.
            shutil.rmtree(built, ignore_errors=True)
        super().run()
        if self.dry_run:
            return
        compile_catalogs(HERE / "translations" if editable else built / "translations")


def mapped_packages(folder: str) -> list[str]:
    """vez.<folder> and one package name for each folder below it (setuptools counts a data folder as a package)."""
    root = HERE / folder
    folders = [root, *(path for path in sorted(root.rglob("*")) if path.is_dir() and path.name != "__pycache__")]
    return [".".join(("vez", *path.relative_to(HERE).parts)) for path in folders]


setup(
    # Every package below vez/ (a new one is picked up by itself), and the two mapped top-level folders.
    packages=[
        *find_namespace_packages(include=["vez", "vez.*"], exclude=["*.__pycache__"]),
        *mapped_packages("migrations"),
        *mapped_packages("translations"),
    ],
    cmdclass={"build_py": BuildWithCatalogs},
)
