"""The testers' pseudo-locale (`?lang=pseudo`, `<html lang="en-XA">`): every message of the catalog, transformed.

`Ĺóĝ íñ` for `Log in`: the English text with accented letters (a font or an encoding that loses them shows),
about 35 % longer (`one two three…` appended: a layout that clips or overflows shows), wrapped in `⟦ ⟧` (text
cut short, or glued together from pieces, shows). Placeholders (`%(name)s`, `%s`, `{name}`), HTML tags and
entities, URLs and email addresses are kept as they are, so every message still formats and renders.

The catalog is built in memory, once per process, from the English catalog every checkout and wheel carries
(docs/architecture.md, "The pseudo-locale"). So only texts of the catalog are transformed: interface text
that escaped gettext stays bare, which is what the testers and tests/i18n/test_pseudo.py look for.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

CODE = "pseudo"  # ?lang= and the cookie
LANGUAGE_TAG = "en-XA"  # CLDR's pseudo-locale of accented English, for <html lang>
OPEN, CLOSE = "⟦", "⟧"
# Latin-1 and Latin Extended-A only, which every font we print with carries (the PDFs' DejaVu subset too):
# b, f, m, q, v and x have no accented form there and stay as they are.
PLAIN, ACCENTS = "acdeghijklnoprstuwyzACDEGHIJKLNOPRSTUWYZ", "áçðéĝĥíĵķĺñóþŕšţúŵýžÁÇÐÉĜĤÍĴĶĹÑÓÞŔŠŢÚŴÝŽ"
ACCENTED = str.maketrans(PLAIN, ACCENTS)
ACCENTED_LETTERS = frozenset(ACCENTS)
LONGER = 0.35
PADDING = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
]
# Kept as they are: printf and str.format placeholders, tags, entities, addresses, and `%%`.
KEPT = re.compile(
    r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]"
    r"|\{[^{}]*\}|<[^<>]+>|&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);|https?://\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)


def transform(text: str) -> str:
    """`Log in` → `⟦Ĺóĝ íñ one⟧`; placeholders, tags and entities untouched; an empty text stays empty."""
    if not text:
        return text
    pieces, visible, last = [], 0, 0
    for kept in KEPT.finditer(text):
        plain = text[last : kept.start()]
        pieces += [plain.translate(ACCENTED), kept.group(0)]
        visible += len(plain)
        last = kept.end()
    plain = text[last:]
    pieces.append(plain.translate(ACCENTED))
    visible += len(plain)
    return OPEN + "".join(pieces) + _padding(visible) + CLOSE


def _padding(visible: int) -> str:
    """Words worth about 35 % of the visible length (at least one word for any text)."""
    wanted, words = max(1, math.ceil(visible * LONGER)), []
    while sum(len(word) + 1 for word in words) < wanted:
        words.append(PADDING[len(words) % len(PADDING)])
    return "".join(" " + word for word in words)


def catalog(english_po: Path) -> Catalog:
    """The English catalog with every message transformed (its msgstr when English rewords the msgid)."""
    with english_po.open("rb") as source:
        english = read_po(source, locale="en")
    pseudo = Catalog(locale="en", domain=english.domain, fuzzy=False)
    for message in english:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            forms = message.string if isinstance(message.string, tuple) else ("", "")
            strings = tuple(transform(form or source) for form, source in zip(forms, message.id, strict=True))
        else:
            strings = transform(message.string or message.id)
        pseudo.add(message.id, strings, flags=message.flags - {"fuzzy"}, context=message.context)
    return pseudo


def translations(translations_dir: Path, domain: str = "messages") -> Translations:
    """The pseudo catalog as gettext translations, compiled in memory from `<dir>/en/LC_MESSAGES/<domain>.po`."""
    compiled = io.BytesIO()
    write_mo(compiled, catalog(translations_dir / "en" / "LC_MESSAGES" / f"{domain}.po"))
    compiled.seek(0)
    return Translations(compiled, domain=domain)
