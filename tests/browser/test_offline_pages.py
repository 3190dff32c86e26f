"""No page riskpool serves loads anything from outside riskpool (no CDN, no internet).

Every page and every file under ``/static`` is fetched from the real ASGI app and
searched for what would make a browser load from elsewhere: in HTML a ``src`` or
``href``, in CSS a ``url()`` or ``@import``, in scripts an ``import``,
``importScripts``, ``fetch``, ``WebSocket`` or ``EventSource`` of an absolute URL
(vendored scripts keep their licence comments' links, which load nothing), and
anywhere a protocol-relative ``//host`` reference or a known CDN's name. The
browser tests (test_dashboard.py) check the same by recording real requests.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from riskpool.bootstrap import build
from riskpool.domain.model.parties import Role
from riskpool.graphql.app import create_app, token_settings
from riskpool.graphql.auth.tokens import mint
from riskpool.settings import Settings
from riskpool.web.pages import STATIC_DIR

PRODUCTION_SECRET = "a-production-secret-of-at-least-32-bytes!"
LOCAL = r"(?!(?:localhost|127\.0\.0\.1)[:/\"'])"
EXTERNAL = rf"(?:https?:|wss?:)?//{LOCAL}[\w.-]+\.[a-z]{{2,}}"
"""An absolute or protocol-relative URL to a host other than this machine."""

HTML_LOADS = re.compile(rf"""(?:src|href|action|poster|data)\s*=\s*["']?\s*{EXTERNAL}""", re.I)
CSS_LOADS = re.compile(rf"""(?:url\(\s*["']?|@import\s+["']?)\s*{EXTERNAL}""", re.I)
JS_LOADS = re.compile(
    rf"""(?:\bimport\s*\(\s*|\bfrom\s*|\bimportScripts\s*\(\s*|\bfetch\s*\(\s*"""
    rf"""|new\s+(?:WebSocket|EventSource|Worker)\s*\(\s*)["'`]{EXTERNAL}""",
    re.I,
)
CDNS = re.compile(
    r"//[\w.-]*(?:unpkg\.com|jsdelivr\.net|cdnjs\.cloudflare\.com|esm\.sh|googleapis\.com"
    r"|gstatic\.com|bootcdn\.net|staticfile\.org)",
    re.I,
)
"""A CDN's address anywhere, even inside a script's string (a URL built at run time)."""


def external_references(path: str, text: str) -> list[str]:
    """What in ``text`` (served at ``path``) would load from another host."""
    if re.search(r"/(LICENSE[^/]*|NOTICE|README\.md)$", path):
        return []  # licence texts are read by people, never loaded by a page
    found = [m.group(0) for m in CDNS.finditer(text)]
    if path.endswith(".css"):
        found += [m.group(0) for m in CSS_LOADS.finditer(text)]
    elif path.endswith(".js"):
        found += [m.group(0) for m in JS_LOADS.finditer(text)]
    else:  # a page: nothing absolute at all, inline style and script included
        found += [m.group(0) for m in HTML_LOADS.finditer(text)]
        found += [m.group(0) for m in CSS_LOADS.finditer(text)]
        found += [m.group(0) for m in JS_LOADS.finditer(text)]
        found += re.findall(rf"https?://{LOCAL}[^\s\"'<>]+", text)
    return found


def test_the_check_finds_what_strawberrys_own_page_loads() -> None:
    """The detector itself: strawberry's GraphiQL page (unpkg) and typical loads are caught."""
    from strawberry.http.ides import get_graphql_ide_html

    assert external_references("/graphql", get_graphql_ide_html(graphql_ide="graphiql"))
    for path, text in [
        ("/p", '<script src="https://cdn.example.com/a.js"></script>'),
        ("/p", "<link href='//fonts.example.org/x.css'>"),
        ("/a.css", "@font-face { src: url(https://fonts.example.org/f.woff2) }"),
        ("/a.css", '@import "//cdn.example.com/b.css";'),
        ("/a.js", 'import("https://esm.example.com/react")'),
        ("/a.js", "fetch(`https://api.example.com/x`)"),
        ("/a.js", 'new Worker("https://x.example.com/w.js")'),
        ("/a.js", 'const base = "https://cdn.jsdelivr.net/npm/"'),
    ]:
        assert external_references(path, text), text
    for path, text in [
        ("/p", '<script src="/static/vendor/react/react.production.min.js"></script>'),
        ("/p", '<a href="http://127.0.0.1:8000/graphql">'),
        ("/a.css", 'url("data:image/png;base64,AAAA")'),
        ("/a.js", '/* @license see https://github.com/facebook/react */ fetch("/graphql")'),
        ("/a.js", 'throw new Error("If you are using a CDN source (jsdelivr, unpkg, etc)")'),
    ]:
        assert external_references(path, text) == [], text


def _static_paths() -> list[str]:
    return sorted(
        "/static/" + path.relative_to(STATIC_DIR).as_posix()
        for path in STATIC_DIR.rglob("*")
        if path.is_file()
    )


@pytest.fixture
async def client(database: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = build(Settings(database_url=database.url, load_demo=False), db=database.db)
    transport = httpx.ASGITransport(app=create_app(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http
    await app.close()


async def test_no_page_or_asset_references_an_external_url(client: httpx.AsyncClient) -> None:
    pages = {
        "/graphql": await client.get("/graphql", headers={"Accept": "text/html"}),
        "/dashboard": await client.get("/dashboard"),
    }
    assert "graphiql.min.js" in pages["/graphql"].text  # riskpool's GraphiQL, not strawberry's
    assert "echarts.min.js" in pages["/dashboard"].text
    paths = _static_paths()
    assert len(paths) >= 10
    for path in paths:
        pages[path] = await client.get(path)
    for path, response in pages.items():
        assert response.status_code == 200, path
        assert external_references(path, response.text) == [], path


async def test_every_file_a_page_loads_is_served(client: httpx.AsyncClient) -> None:
    """A page's local references all resolve (a missing vendored file would be a blank page)."""
    for page in ("/dashboard", "/graphql"):
        text = (await client.get(page, headers={"Accept": "text/html"})).text
        referenced = re.findall(r"""(?:src|href)="(/static/[^"]+)\"""", text)
        assert referenced, page
        for path in referenced:
            response = await client.get(path)
            assert response.status_code == 200, path
            kind = "javascript" if path.endswith(".js") else "css"
            assert kind in response.headers["content-type"], path


def test_every_vendored_library_comes_with_its_licence_and_version() -> None:
    vendor = STATIC_DIR / "vendor"
    readme = (vendor / "README.md").read_text("utf-8")
    folders = [p for p in vendor.iterdir() if p.is_dir()]
    assert {p.name for p in folders} == {"graphiql", "react", "react-dom", "echarts"}
    for folder in folders:
        assert (folder / "LICENSE").is_file(), folder.name
        assert f"`{folder.name}/`" in readme, folder.name
    versions = {"react": "18.3.1", "react-dom": "18.3.1", "echarts": "6.0.0", "graphiql": "4.1.2"}
    for name, version in versions.items():
        assert f"| `{name}` | {version} |" in readme, name
    react = (vendor / "react" / "react.production.min.js").read_text("utf-8")
    assert "18.3.1" in react  # the file is the version the README names
    echarts = (vendor / "echarts" / "echarts.min.js").read_text("utf-8")
    assert '"6.0.0"' in echarts


async def test_the_development_login_mints_a_working_token(client: httpx.AsyncClient) -> None:
    answer = await client.post("/dashboard/dev-login", json={"role": "viewer"})
    assert answer.status_code == 200
    token = answer.json()["token"]
    books = await client.post(
        "/graphql",
        json={"query": "{ books { code } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert books.status_code == 200
    assert "errors" not in books.json()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"role": "emperor"}, 400, "VALIDATION"),
        ({"role": 7}, 400, "VALIDATION"),
        ({"role": "institution"}, 400, "VALIDATION"),  # an institution token names one
        ({"role": "institution", "institutionId": 999_999}, 400, "VALIDATION"),
        ({"role": "institution", "institutionId": "1"}, 400, "VALIDATION"),
        ({"role": "institution", "institutionId": True}, 400, "VALIDATION"),
        ({"role": "operator", "institutionId": 1}, 400, "VALIDATION"),
        (["operator"], 400, "VALIDATION"),
    ],
)
async def test_the_development_login_refuses_bad_input(
    client: httpx.AsyncClient, body: Any, status: int, code: str
) -> None:
    answer = await client.post("/dashboard/dev-login", json=body)
    assert answer.status_code == status, answer.text
    assert answer.json()["errors"][0]["extensions"]["code"] == code
    assert "token" not in answer.json()


async def test_the_development_login_takes_only_json(client: httpx.AsyncClient) -> None:
    form = await client.post("/dashboard/dev-login", data={"role": "operator"})
    assert form.status_code == 415
    broken = await client.post(
        "/dashboard/dev-login", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert (await client.get("/dashboard/dev-login")).status_code == 405


async def test_production_has_the_dashboard_but_no_graphiql_and_no_development_login(
    database: Any,
) -> None:
    settings = Settings(
        database_url=database.url, environment="production", jwt_secret=PRODUCTION_SECRET
    )
    app = build(settings, db=database.db)
    transport = httpx.ASGITransport(app=create_app(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        assert "graphiql" not in page.text.lower()
        assert (await http.post("/dashboard/dev-login", json={"role": "operator"})).status_code in (
            404,
            405,
        )
        dashboard = (await http.get("/dashboard")).text
        assert 'data-dev-login="false"' in dashboard
        token = mint(token_settings(app), subject="x", role=Role.VIEWER)
        assert token  # tokens come from the deployment, the page takes them in its token box
    await app.close()


def test_the_pages_are_package_data() -> None:
    """An installed riskpool (not only a checkout) serves the pages and their files."""
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text("utf-8")
    assert '"riskpool.web"' in pyproject
    assert '"static/vendor/*/*"' in pyproject
    assert '"templates/*.html"' in pyproject
