"""The supplier's identity as configuration: names, logo, colour, phone and sites (docs/architecture.md, "Brand").

Another supplier deploys vez with its own identity by setting BRAND_* and SUPPLIER_* (environment variables
VEZ_BRAND_NAME='{"uk": "...", "en": "..."}' and so on), never by editing templates. A setting that differs by
language is a dict keyed by language (the default language's value stands in for a missing one), or one string
for every language. Pages and letters read it through `brand` in the template context; the colour reaches the
pages as `/brand.css` (the CSP allows no inline style) and the letters as inline styles.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, has_request_context, url_for
from flask_babel import get_locale

bp = Blueprint("brand", __name__)

COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
YEAR = 365 * 24 * 3600
# The colour settings and the CSS custom property each one sets (vez.css reads the properties).
COLOURS = {"BRAND_COLOR": "--brand", "BRAND_INK_COLOR": "--ink"}
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".webp": "image/webp"}


def localized(value, locale: str | None = None):
    """A setting's value in the current (or given) language: dicts by language, anything else as it is."""
    if not isinstance(value, dict):
        return value
    locale = locale or str(get_locale())
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    return value.get(locale) or value.get(default) or next(iter(value.values()), "")


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of #rrggbb."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    lighter, darker = sorted((relative_luminance(one), relative_luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def check(config) -> None:
    """At start: colours are #rrggbb that keep 4.5:1 on white (text and buttons use them), the logo exists."""
    for key in COLOURS:
        colour = config[key]
        if not isinstance(colour, str) or not COLOUR.fullmatch(colour):
            raise RuntimeError(f"{key} must be a colour as #rrggbb, not {colour!r}.")
        if contrast(colour, "#ffffff") < 4.5:
            raise RuntimeError(
                f"{key} {colour} has a contrast of {contrast(colour, '#ffffff'):.2f}:1 on white; "
                "text and buttons in it need at least 4.5:1 (WCAG 2.1, 1.4.3)."
            )
    logo = config["BRAND_LOGO"]
    if logo and Path(logo).suffix.lower() not in LOGO_TYPES:
        raise RuntimeError(f"BRAND_LOGO must be an .svg, .png or .webp file, not {logo!r}.")
    if logo and not Path(logo).is_file():
        raise RuntimeError(f"BRAND_LOGO {logo!r} is not a file.")


def phone_href(phone: str) -> str:
    """`tel:` of a printed phone number ("0 800 300 521" → tel:0800300521)."""
    return "tel:" + re.sub(r"[^\d+]", "", phone)


def _version() -> str:
    """Changes whenever the colours or the logo do, so their URLs can be cached for a year."""
    config = current_app.config
    parts = [str(config[key]) for key in COLOURS]
    logo = config["BRAND_LOGO"]
    if logo:
        parts.append(hashlib.sha256(Path(logo).read_bytes()).hexdigest())
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Brand:
    """What templates print; names in the current language."""

    name: str  # the supplier's trade name as the header prints it ("ВОЛИНЬЕЛЕКТРОЗБУТ")
    short: str  # the abbreviation in titles and the logo's alt ("ВЕЗ")
    legal_name: str  # SUPPLIER_NAME, on bills, receipts and the footer
    colour: str
    ink: str
    phone: str
    phone_href: str
    site_url: str
    logo_url: str
    css_url: str
    manifest_url: str


def current() -> Brand:
    config = current_app.config
    version = current_app.extensions["vez.brand"]["version"]
    logo = css = manifest = ""  # letters rendered by a job have no request to build page URLs from, nor need them
    if has_request_context():
        css = url_for("brand.stylesheet", v=version)
        manifest = url_for("brand.manifest", language=manifest_language(), v=version)
        logo = url_for("brand.logo", v=version) if config["BRAND_LOGO"] else url_for("static", filename="img/logo.svg")
    phone = localized(config["SUPPLIER_PHONE"])
    return Brand(
        name=localized(config["BRAND_NAME"]),
        short=localized(config["BRAND_SHORT_NAME"]),
        legal_name=localized(config["SUPPLIER_NAME"]),
        colour=config["BRAND_COLOR"],
        ink=config["BRAND_INK_COLOR"],
        phone=phone,
        phone_href=phone_href(phone),
        site_url=localized(config["SUPPLIER_SITE_URL"]),
        logo_url=logo,
        css_url=css,
        manifest_url=manifest,
    )


@bp.route("/brand.css")
def stylesheet() -> Response:
    config = current_app.config
    rules = ";".join(f"{prop}:{config[key]}" for key, prop in COLOURS.items())
    response = Response(f":root{{{rules}}}\n", mimetype="text/css")
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


@bp.route("/brand/logo")
def logo() -> Response:
    """The configured logo, read once at start (its URL's version is its hash)."""
    state = current_app.extensions["vez.brand"]
    if state["logo"] is None:
        abort(404)
    response = Response(state["logo"], mimetype=state["logo_type"])
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


def manifest_language() -> str:
    """The page's language, or the default one for the testers' pseudo-locale (the manifest has no such language)."""
    language = str(get_locale())
    return language if language in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


@bp.route("/brand/<language>/manifest.webmanifest")
def manifest(language: str) -> Response:
    """The web app manifest (docs/offline.md): the cabinet on a phone's home screen, in the brand's names and colour."""
    config = current_app.config
    if language not in config["LANGUAGES"]:
        abort(404)
    version = current_app.extensions["vez.brand"]["version"]
    state = current_app.extensions["vez.brand"]
    if state["logo"] is not None:
        icons = [{"src": url_for("brand.logo", v=version), "sizes": "any", "type": state["logo_type"]}]
    else:
        icons = [{"src": url_for("static", filename="img/logo.svg"), "sizes": "any", "type": "image/svg+xml"}]
        icons += [
            {"src": url_for("static", filename=f"img/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
            for size in (192, 512)
        ]
    body = {
        "id": "/cabinet",
        "name": localized(config["BRAND_NAME"], language),
        "short_name": localized(config["BRAND_SHORT_NAME"], language),
        "lang": language,
        "dir": "ltr",
        "start_url": url_for("cabinet.index"),
        "scope": "/",
        "display": "standalone",
        "theme_color": config["BRAND_COLOR"],
        "background_color": "#ffffff",
        "icons": icons,
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


def init_app(app: Flask) -> None:
    check(app.config)
    with app.app_context():
        logo = app.config["BRAND_LOGO"]
        app.extensions["vez.brand"] = {
            "version": _version(),
            "logo": Path(logo).read_bytes() if logo else None,
            "logo_type": LOGO_TYPES.get(Path(logo).suffix.lower()) if logo else None,
        }
    app.register_blueprint(bp)

    @app.context_processor
    def brand_context() -> dict:
        return {"brand": current()}
