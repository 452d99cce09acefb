"""What every form page must hold for screen readers and keyboards (docs/security.md, "Forms for screen readers and
keyboards"): a checker the feature tests call on the HTML they get."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

CONTROLS = ("input", "select", "textarea")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    form: Element | None  # the form it stands in
    summary: Element | None  # the error summary it stands in

    @property
    def is_control(self) -> bool:
        return self.tag in CONTROLS and self.attrs.get("type") not in ("hidden", "submit")

    def names(self, attr: str) -> list[str]:
        return (self.attrs.get(attr) or "").split()


class FormMarkup(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._form = self._summary = None
        self._summary_depth = 0
        self.feed(html)
        self.ids = {e.attrs["id"] for e in self.elements if e.attrs.get("id")}

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), self._form, self._summary)
        self.elements.append(element)
        if tag == "form":
            self._form = element
        if "error-summary" in element.names("class"):
            self._summary, self._summary_depth = element, 0
        if self._summary is not None and tag == "div":
            self._summary_depth += 1

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, dict(attrs), self._form, self._summary))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        if tag == "div" and self._summary is not None:
            self._summary_depth -= 1
            if self._summary_depth == 0:
                self._summary = None

    def controls(self) -> list[Element]:
        return [e for e in self.elements if e.is_control]

    def invalid(self) -> list[str]:
        return [e.attrs["id"] for e in self.controls() if e.attrs.get("aria-invalid") == "true"]

    def summaries(self) -> list[Element]:
        return [e for e in self.elements if "error-summary" in e.names("class")]

    def summary_links(self, summary: Element) -> list[str]:
        return [e.attrs["href"].removeprefix("#") for e in self.elements if e.summary is summary and e.tag == "a"]


def form_problems(html: str) -> list[str]:
    """Every breach of the form rules in a page: an empty list when it is right."""
    markup, problems = FormMarkup(html), []
    for e in markup.elements:
        problems += [f'<{e.tag} id={e.attrs.get("id")}> has {k}="None"' for k, v in e.attrs.items() if v == "None"]
    for form in {id(c.form): c.form for c in markup.controls() if c.form is not None}.values():
        if "novalidate" not in form.attrs:
            problems.append(f"<form action={form.attrs.get('action')}> lets the browser validate")
    for c in markup.controls():
        name, described = c.attrs.get("id"), c.names("aria-describedby")
        if c.attrs.get("aria-invalid") not in (None, "true"):
            problems.append(f'{name}: aria-invalid="{c.attrs["aria-invalid"]}"')
        problems += [
            f"{name}: aria-describedby names #{ref}, not on the page" for ref in described if ref not in markup.ids
        ]
        if c.attrs.get("aria-invalid") == "true" and not {f"{name}-error", f"{name}-feedback"} & set(described):
            problems.append(f"{name}: invalid, but its message is not linked to it")
        if c.attrs.get("type") == "password" and c.attrs.get("value"):
            problems.append(f"{name}: a password sent back in the HTML")
    for summary in markup.summaries():
        problems += [
            f"the summary links to #{t}, not on the page" for t in markup.summary_links(summary) if t not in markup.ids
        ]
        if summary.attrs.get("tabindex") != "-1" or "autofocus" not in summary.attrs:
            problems.append(f"the summary #{summary.attrs['id']} is not focused on load")
    return problems
