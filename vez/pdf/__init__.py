"""PDF documents made in Python (fpdf2) with the DejaVu Sans font the project ships (fonts/LICENSE-DejaVu.txt).

The fonts are DejaVu Sans and Sans Bold subset to Latin, Cyrillic and the punctuation a bill uses.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _
from fpdf import FPDF

from vez import nbu_qr

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVu"


class Document(FPDF):
    """An A4 portrait page in DejaVu Sans, with a small footer line."""

    footer_text = ""

    def __init__(self, title: str, author: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_title(title)
        self.set_author(author)
        self.set_creator("vez")
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)
        self.add_page()
        self.set_font(FAMILY, size=10)

    def footer(self) -> None:
        if self.footer_text:
            self.set_y(-12)
            self.set_font(FAMILY, size=7)
            self.set_text_color(110)
            self.cell(0, 5, self.footer_text, align="C")
            self.set_text_color(0)

    def heading(self, text: str, size: int = 14) -> None:
        self.set_font(FAMILY, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, size=10)
        self.ln(2)

    def subheading(self, text: str) -> None:
        self.set_font(FAMILY, "B", 10)
        self.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, size=10)

    def pairs(self, rows: list[tuple[str, str]], label_width: float = 55) -> None:
        """Label: value lines (labels in grey, values in black, values wrap)."""
        for label, value in rows:
            self.set_text_color(90)
            self.cell(label_width, 5.5, label)
            self.set_text_color(0)
            self.multi_cell(0, 5.5, value, align="L", new_x="LMARGIN", new_y="NEXT")

    def supplier(self, name: str, edrpou: str, address: str, iban: str, bank: str) -> None:
        """The supplier's requisites under their heading, as a bill and an invoice give them."""
        self.subheading(_("Supplier"))
        self.pairs(
            [
                (_("Name"), name),
                (_("EDRPOU code"), edrpou),
                (_("Address"), address),
                (_("Account (IBAN)"), iban),
                (_("Bank"), bank),
            ]
        )
        self.ln(2)

    def amount_due(self, amount: str) -> None:
        self.set_font(FAMILY, "B", 13)
        self.cell(80, 8, _("Amount due"))
        self.cell(0, 8, amount, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, size=10)

    def payment_qr(self, url: str) -> None:
        """The NBU payment QR code of `url` with its caption beside it (on a new page when it would not fit)."""
        self.ln(3)
        y = self.get_y()
        if y > 225:
            self.add_page()
            y = self.get_y()
        self.image(nbu_qr.png_bytes(url), x=self.l_margin, y=y, w=45, h=45)
        self.set_xy(self.l_margin + 50, y + 4)
        self.multi_cell(
            0,
            5,
            _(
                "Scan the code in your banking app: the supplier's details, the amount due and the "
                "purpose are filled in for you (the National Bank of Ukraine's payment QR code)."
            ),
            align="L",
            new_x="LMARGIN",
            new_y="NEXT",
        )

    def render(self) -> bytes:
        return bytes(self.output())
