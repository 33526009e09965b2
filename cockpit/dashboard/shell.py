"""The layout shell (header, navigation, footer), page discovery and the router.

Page modules in :mod:`cockpit.dashboard.pages` are found automatically (pkgutil); each
defines ``PATH`` (compiled regex; named groups become keyword arguments of ``layout``),
``TITLE``, ``NAV_ORDER`` (``None`` = not in the navigation), ``layout(principal, **params)``
and ``register_callbacks(app)``. Optional ``HREF``: the navigation target when ``PATH`` is
not a plain literal like ``^/flaechen$``.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Final

from dash import Dash, Input, Output, dcc, html
from dash.development.base_component import Component
from flask_wtf.csrf import generate_csrf

from cockpit.auth.principal import current_principal, current_principal_or_none
from cockpit.dashboard import ids
from cockpit.domain.errors import AccessDeniedError, CockpitError, NotFoundError
from cockpit.domain.roles import Permission, Principal
from cockpit.services import authz
from cockpit.services.maps import BOUNDARY_ATTRIBUTION, get_district_name
from cockpit.web import get_config, get_db

log = logging.getLogger(__name__)

PRODUCT_NAME = "Kommunal-Cockpit"
PASSWORD_URL = "/passwort"  # noqa: S105 (a URL, not a password)
LOGOUT_URL = "/logout"
ADMIN_URL = "/admin/benutzer"
NOT_FOUND_TITLE = "Seite nicht gefunden"
DENIED_TITLE = "Keine Berechtigung"
ERROR_TITLE = "Fehler"

# Where Dash's graph component loads the full Plotly from when serving locally. Only used when
# the trimmed bundle (assets/vendor, built by scripts/setup.sh) is missing; the page head then
# preloads it so the download runs while the renderer fetches layout and page.
FULL_PLOTLY_JS_URL: Final = "/_dash-component-suites/plotly/package_data/plotly.min.js"
# Dash's default page template without a language and with its scripts in a <footer> (a
# second "contentinfo" landmark): German document, scripts in a plain <div>.
_INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="de">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}PRELOAD
    </head>
    <body>
        {%app_entry%}
        <div class="dash-scripts">
            {%config%}
            {%scripts%}
            {%renderer%}
        </div>
    </body>
</html>"""


def index_string(*, preload_full_plotly: bool) -> str:
    """The page template; with ``preload_full_plotly`` it preloads Dash's full Plotly."""
    preload = (
        f'\n        <link rel="preload" as="script" href="{FULL_PLOTLY_JS_URL}">'
        if preload_full_plotly
        else ""
    )
    return _INDEX_TEMPLATE.replace("PRELOAD", preload)


_LITERAL_PATH = re.compile(r"^\^?(/[A-Za-z0-9_\-/]*)\$?$")


@dataclass(frozen=True)
class PageSpec:
    """One discovered page module."""

    name: str
    path: re.Pattern[str]
    title: str
    nav_order: int | None
    href: str | None
    layout: Callable[..., Component]
    register_callbacks: Callable[[Dash], None]


def _page_spec(module: ModuleType) -> PageSpec:
    name = module.__name__
    path = getattr(module, "PATH", None)
    title = getattr(module, "TITLE", None)
    layout = getattr(module, "layout", None)
    register = getattr(module, "register_callbacks", None)
    nav_order = getattr(module, "NAV_ORDER", None)
    if not isinstance(path, re.Pattern) or not isinstance(title, str):
        raise TypeError(f"page module {name} needs PATH (compiled regex) and TITLE (str)")
    if not callable(layout) or not callable(register):
        raise TypeError(f"page module {name} needs layout() and register_callbacks()")
    if nav_order is not None and not isinstance(nav_order, int):
        raise TypeError(f"page module {name}: NAV_ORDER must be int or None")
    href = getattr(module, "HREF", None)
    if href is None and nav_order is not None:
        literal = _LITERAL_PATH.match(path.pattern)
        if literal is None:
            raise TypeError(f"page module {name} is in the navigation but has no HREF")
        href = literal.group(1)
    return PageSpec(name, path, title, nav_order, href, layout, register)


def discover_pages() -> list[PageSpec]:
    """Import every module of :mod:`cockpit.dashboard.pages` that follows the page contract."""
    from cockpit.dashboard import pages as package

    specs = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if not hasattr(module, "PATH"):
            continue  # a helper module, not a page
        specs.append(_page_spec(module))
    return specs


def nav_pages(pages: list[PageSpec]) -> list[PageSpec]:
    return sorted((p for p in pages if p.nav_order is not None), key=lambda p: p.nav_order or 0)


# --------------------------------------------------------------------------- shell layout


def _aria(label: str) -> dict[str, Any]:
    """``aria-label`` for Dash html components (not a Python identifier, so via **kwargs)."""
    return {"aria-label": label}


def _message_page(title: str, text: str, *, link: bool = True) -> Component:
    children: list[Component | str] = [html.H1(title), html.P(text)]
    if link:
        children.append(html.P(dcc.Link("Zur Übersicht", href="/")))
    return html.Section(children, className="page page-message", role="alert")


def _logout_form() -> Component:
    return html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=generate_csrf()),
            html.Button("Abmelden", type="submit", className="link-button"),
        ],
        action=LOGOUT_URL,
        method="post",
        className="logout-form",
    )


def _user_area(principal: Principal) -> Component:
    items: list[Component] = [
        html.Span(
            [
                html.Span(principal.display_name or principal.username, className="user-name"),
                html.Span(principal.role.label, className="role-badge"),
            ],
            className="user-identity",
        ),
    ]
    if authz.may(principal, Permission.MANAGE_USERS):
        items.append(html.A("Benutzerverwaltung", href=ADMIN_URL))
    items.append(html.A("Passwort ändern", href=PASSWORD_URL))
    items.append(_logout_form())
    return html.Div(items, className="user-area")


def _district_label(principal: Principal) -> str:
    try:
        name = get_district_name(get_db(), principal, get_config().district_ags)
    except CockpitError:
        return ""
    return name or ""


def layout() -> Component:
    """The app shell; the router fills the page area. Safe for anonymous requests."""
    principal = current_principal_or_none()
    district = _district_label(principal) if principal else ""
    header_children: list[Component] = [
        html.Div(
            [
                html.A(PRODUCT_NAME, href="/", className="brand"),
                html.Span(district, className="district-name") if district else None,
            ],
            className="brand-block",
        ),
        html.Nav(id=ids.NAV, className="main-nav", **_aria("Hauptnavigation")),
    ]
    if principal is not None:
        header_children.append(_user_area(principal))
    return html.Div(
        [
            html.A("Zum Inhalt springen", href="#main", className="skip-link"),
            dcc.Location(id=ids.URL, refresh="callback-nav"),
            dcc.Store(id=ids.PAGE_TITLE),
            html.Div(id=ids.TITLE_SINK, hidden=True),
            html.Header(header_children, className="shell-header"),
            html.Div(id=ids.CALLBACK_ERROR, className="shell-callback-error", role="alert"),
            html.Main(
                dcc.Loading(html.Div(id=ids.PAGE), delay_show=400, type="dot"),
                id="main",
                className="shell-main",
                tabIndex="-1",
            ),
            html.Footer(
                [
                    html.Span(f"{PRODUCT_NAME} · {district}" if district else PRODUCT_NAME),
                    html.Span(f"Gemeindegrenzen: {BOUNDARY_ATTRIBUTION}"),
                ],
                className="shell-footer",
            ),
        ],
        className="shell",
    )


def nav_children(pages: list[PageSpec], pathname: str) -> list[Component]:
    links = []
    for page in nav_pages(pages):
        active = bool(page.path.match(pathname or "/"))
        # dcc.Link takes no aria-* props: the list item carries aria-current.
        extra: dict[str, Any] = {"aria-current": "page"} if active else {}
        links.append(
            html.Li(
                dcc.Link(
                    page.title,
                    href=page.href or "/",
                    className="nav-link active" if active else "nav-link",
                ),
                **extra,
            )
        )
    return [html.Ul(links)]


def render_page(
    pages: list[PageSpec], principal: Principal, pathname: str | None
) -> tuple[Component, str]:
    """The content and title for ``pathname``; errors become German messages, never traces."""
    path = pathname or "/"
    for page in pages:
        match = page.path.match(path)
        if match is None:
            continue
        params = {k: v for k, v in match.groupdict().items() if v is not None}
        try:
            return page.layout(principal, **params), page.title
        except AccessDeniedError as error:
            log.warning("page %s denied for %s: %s", path, principal.log_ref, error)
            return _message_page(DENIED_TITLE, error.user_message), DENIED_TITLE
        except NotFoundError as error:
            log.info("page %s: not found: %s", path, error)
            return _message_page(NOT_FOUND_TITLE, error.user_message), NOT_FOUND_TITLE
        except CockpitError as error:
            log.warning("page %s failed: %s", path, error)
            return _message_page(ERROR_TITLE, error.user_message), ERROR_TITLE
        except Exception:
            log.exception("page %s crashed for %s", path, principal.log_ref)
            return (
                _message_page(
                    ERROR_TITLE,
                    "Beim Anzeigen der Seite ist ein unerwarteter Fehler aufgetreten. "
                    "Bitte versuchen Sie es später erneut.",
                ),
                ERROR_TITLE,
            )
    log.info("unknown page %s requested by %s", path, principal.log_ref)
    return (
        _message_page(
            NOT_FOUND_TITLE,
            f"Die Seite „{path}“ gibt es nicht. Bitte prüfen Sie die Adresse.",
        ),
        NOT_FOUND_TITLE,
    )


def register_callbacks(app: Dash, pages: list[PageSpec]) -> None:
    """The router and the document title."""

    @app.callback(
        Output(ids.PAGE, "children"),
        Output(ids.NAV, "children"),
        Output(ids.PAGE_TITLE, "data"),
        Input(ids.URL, "pathname"),
    )
    def route(pathname: str | None) -> tuple[Component, list[Component], str]:
        principal = current_principal()
        content, title = render_page(pages, principal, pathname)
        return content, nav_children(pages, pathname or "/"), title

    app.clientside_callback(  # type: ignore[no-untyped-call]
        f"""function(title) {{
            document.title = title ? title + " – {PRODUCT_NAME}" : "{PRODUCT_NAME}";
            var main = document.getElementById("main");
            if (main && window.__cockpitRouted) {{ main.focus({{preventScroll: true}}); }}
            window.__cockpitRouted = true;
            return "";
        }}""",
        Output(ids.TITLE_SINK, "children"),
        Input(ids.PAGE_TITLE, "data"),
    )
    app.clientside_callback(  # type: ignore[no-untyped-call]
        "function(pathname) { return ''; }",  # a new page clears an old failure notice
        Output(ids.CALLBACK_ERROR, "children"),
        Input(ids.URL, "pathname"),
    )
