#!/usr/bin/env python3
"""Rewrite citations of files outside the repository so that they point inside it.

    python3 scripts/rewrite-citations.py            # rewrite, print every changed line
    python3 scripts/rewrite-citations.py --check    # print what would change, write nothing
    python3 scripts/rewrite-citations.py --root DIR # another checkout

Lines are matched by content, not by path, so the script still works after files moved. First the
TABLE of exact substrings (any text file), then the fallback `SECURITY.md` -> `docs/security.md` (only in
*.py, *.html, *.md, *.txt and Makefile). Lines that look translatable (`_(`, `_l(`, `gettext(`,
`{% trans`) are never touched: changing them would change a message id.

Idempotent: a second run changes nothing. Exits 1 when a citation is left that it could not rewrite
(`SECURITY.md`, `DESIGN.md`, `../shared/`, "issue N"), or, with --check, when anything would change.
A one-off: delete it once the citations are merged.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

SKIP_DIRS = {".git", ".venv", "instance", "test-artifacts", "__pycache__", "node_modules"}
SELF = Path(__file__).resolve()

# (kind, old, new): old is replaced by new wherever a line holds it. Most specific first.
TABLE: list[tuple[str, str, str]] = [
    # The README's link to the checklist outside the repository.
    ("shared/", "`../shared/SECURITY.md`", "[docs/security.md](docs/security.md)"),
    ("shared/", "../shared/SECURITY.md", "docs/security.md"),
    ("shared/", "/work/shared/SECURITY.md", "docs/security.md"),
    # Citations whose letter was wrong: the identification lock is B12, not the password section A.
    (
        "SECURITY.md",
        "SECURITY.md A: the call centre lifts the 5-wrong-answers lock",
        "docs/security.md B12: the call centre lifts the 5-wrong-answers lock",
    ),
    (
        "SECURITY.md",
        "SECURITY.md A: five wrong answers lock an account's identification",
        "docs/security.md B12: five wrong answers lock an account's identification",
    ),
    # Citations of a decision rather than an item: name the decision.
    (
        "SECURITY.md",
        "(SECURITY.md: a limit must stop a script, not a town behind one carrier NAT)",
        '(a limit must stop a script, not a town behind one carrier NAT: docs/security.md, "Limits")',
    ),
    (
        "SECURITY.md",
        "The decision (SECURITY.md): one compare-and-set",
        'The decision (docs/security.md, "Payment credit"): one compare-and-set',
    ),
    (
        "SECURITY.md",
        "## Crediting (SECURITY.md decision)",
        '## Crediting (decision "Payment credit" of [docs/security.md](security.md))',
    ),
    # Inside docs/: a link relative to docs/.
    ("SECURITY.md", "raised to 12 (SECURITY.md A).", "raised to 12 ([docs/security.md](security.md) A1)."),
    ("SECURITY.md", "- **Profile** (SECURITY.md 28):", "- **Profile** ([docs/security.md](security.md) D28):"),
    ("SECURITY.md", "(SECURITY.md B11, C19)", "(docs/security.md B11, C19)"),
    # DESIGN.md: the project's own documents now state each point.
    ("DESIGN.md", "the demo secret of DESIGN.md's contract has 80", "the demo secret the README publishes has 80"),
    (
        "DESIGN.md",
        "`flask demo-data`: the contract of DESIGN.md.",
        '`flask demo-data`: the contract the README\'s "Demo logins" states.',
    ),
    ("DESIGN.md", "(DESIGN.md budget: ± 20 %)", "(docs/performance.md budget: ± 20 %)"),
    (
        "DESIGN.md",
        "ours is `/activate/<token>` (DESIGN.md routes).",
        "ours is `/activate/<token>` (see **Blueprints** above).",
    ),
    ("DESIGN.md", "in the contract's JSON shape", "in the JSON shape the README states"),
    # "issue N": say the point or name the document.
    ("issue", "(issue 4, item 8)", "(docs/performance.md)"),
    ("issue", "# Online payments (issue 5)", "# Online payments"),
    ("issue", "# The personal cabinet (issue 4): decisions", "# The personal cabinet: decisions"),
    (
        "issue",
        "# Registration, activation, recovery and mail (issue 3): decisions",
        "# Registration, activation, recovery and mail: decisions",
    ),
    ("issue", "Decisions where the issue was silent:", "Further decisions:"),
    (
        "issue",
        "The figures of the last run are in the closing notes of the issues.",
        "[docs/performance.md](docs/performance.md) lists the budgets they are held to.",
    ),
]

FALLBACK = re.compile(r"SECURITY\.md")
FALLBACK_NEW = "docs/security.md"
FALLBACK_SUFFIXES = {".py", ".html", ".md", ".txt"}
FALLBACK_NAMES = {"Makefile"}
TRANSLATABLE = re.compile(r"(?<![\w.])_l?\(|gettext\(|\{%-?\s*trans\b")
LEFT = re.compile(
    r"SECURITY\.md|DESIGN\.md|\.\./shared/|/work/shared/|(?<![\w/.-])shared/(?:SECURITY|DESIGN)"
    r"|\b[Ii]ssues? #?[0-9]+"
)


def text_files(root: Path):
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in SKIP_DIRS for part in rel.parts[:-1]) or not path.is_file() or path.is_symlink():
            continue
        if path.resolve() == SELF:
            continue
        raw = path.read_bytes()
        if b"\0" in raw:
            continue
        try:
            yield rel, raw.decode("utf-8")
        except UnicodeDecodeError:
            continue


def rewrite_line(line: str, fallback: bool, kinds: Counter) -> str:
    for kind, old, new in TABLE:
        if old in line:
            kinds[kind] += line.count(old)
            line = line.replace(old, new)
    if fallback:
        line, n = FALLBACK.subn(FALLBACK_NEW, line)
        if n:
            kinds["SECURITY.md (fallback)"] += n
    return line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=SELF.parent.parent)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if anything would change")
    args = parser.parse_args()
    for _kind, old, new in TABLE:  # a new text holding its old one would change again on every run
        assert old not in new, f"not idempotent: {old!r}"

    root = args.root.resolve()
    kinds: Counter = Counter()
    changed_lines = 0
    changed_files = 0
    left: list[str] = []
    for rel, text in text_files(root):
        fallback = rel.suffix in FALLBACK_SUFFIXES or rel.name in FALLBACK_NAMES
        lines = text.splitlines(keepends=True)
        out = []
        for number, line in enumerate(lines, 1):
            if not (LEFT.search(line) or any(old in line for _k, old, _n in TABLE)):
                out.append(line)
                continue
            if TRANSLATABLE.search(line):
                left.append(f"{rel}:{number}: translatable, left alone: {line.strip()}")
                out.append(line)
                continue
            new = rewrite_line(line, fallback, kinds)
            if new != line:
                changed_lines += 1
                print(f"{rel}:{number}:\n  - {line.strip()}\n  + {new.strip()}")
            if LEFT.search(new):
                left.append(f"{rel}:{number}: {new.strip()}")
            out.append(new)
        if out != lines:
            changed_files += 1
            if not args.check:
                (root / rel).write_text("".join(out), encoding="utf-8")

    verb = "would change" if args.check else "changed"
    print(
        f"{verb} {changed_lines} line(s) in {changed_files} file(s)"
        + (": " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) if kinds else "")
    )
    if left:
        print(f"{len(left)} citation(s) left to rewrite by hand (add them to TABLE):", file=sys.stderr)
        for item in left:
            print(f"  {item}", file=sys.stderr)
        return 1
    return 1 if args.check and changed_lines else 0


if __name__ == "__main__":
    sys.exit(main())
