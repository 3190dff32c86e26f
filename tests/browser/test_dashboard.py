"""The dashboard and GraphiQL in Debian's chromium against a real server on the demo.

Each page must render, show exactly the API's figures (asked again here with the
token the page used), log no console error and make no request beyond the local
server: riskpool's networks have no internet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from playwright.async_api import Browser, ConsoleMessage, Page, Request

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SEED = "asOf=2025-06-30&policy=ZKD-2025"
CLAIM_STATES = [
    "SUBMITTED", "AUDIT_COMMISSIONED", "AUDITED", "REVIEWED",
    "APPROVED", "PAID", "REJECTED", "WITHDRAWN",
]  # fmt: skip


@dataclass
class Watched:
    """A page with what it asked for and what it complained about."""

    page: Page
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def foreign(self) -> list[str]:
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob")
            and urlsplit(url).hostname not in LOCAL_HOSTS
        ]


async def _open(browser: Browser) -> Watched:
    page = await browser.new_page(viewport={"width": 1600, "height": 1400}, locale="zh-CN")
    watched = Watched(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watched.console_errors.append(message.text)

    def on_request(request: Request) -> None:
        watched.requests.append(request.url)

    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.console_errors.append(str(error)))
    page.on("request", on_request)
    return watched


async def _dev_login(
    watched: Watched, base: str, role: str, institution: int | None = None
) -> None:
    page = watched.page
    await page.goto(f"{base}/dashboard?{SEED}")
    await page.select_option("#dev-role", role)
    if institution is not None:
        await page.fill("#dev-institution", str(institution))
    await page.click("#dev-login-button")
    await page.wait_for_selector("body[data-state=ready]", timeout=60_000)


async def _api(base: str, token: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}"},
        )
    return response.json()


async def _cards(page: Page) -> dict[str, str | None]:
    cards: dict[str, str | None] = {}
    for card in await page.locator(".card").all():
        name = await card.get_attribute("id")
        assert name is not None
        cards[name] = await card.get_attribute("data-amount")
    return cards


FIGURES = """query($asOf: Date!, $policy: String) {
  scheme: loanStatistics(asOf: $asOf, policyCode: $policy) {
    totals { creditGranted { amount } disbursed { amount } } }
  all: loanStatistics(asOf: $asOf) { totals { compensationPaid { amount } } }
  warnings(asOf: $asOf) { kind }
}"""
POOL = '{ poolStatistics(asOf: "2025-06-30") { poolCash { amount } } }'


CLAIMS = (
    "{ "
    + " ".join(f"{s.lower()}: claims(state: {s}) {{ totalCount }}" for s in CLAIM_STATES)
    + " }"
)


async def _assert_page_equals_api(watched: Watched, base: str) -> tuple[str, dict[str, Any]]:
    page = watched.page
    token = await page.evaluate("window.localStorage.getItem('riskpool.token')")
    assert token
    api = await _api(base, token, FIGURES, {"asOf": "2025-06-30", "policy": "ZKD-2025"})
    assert "errors" not in api, api
    data = api["data"]
    cards = await _cards(page)
    assert cards["card-credit"] == data["scheme"]["totals"]["creditGranted"]["amount"]
    assert cards["card-disbursed"] == data["scheme"]["totals"]["disbursed"]["amount"]
    assert cards["card-paid"] == data["all"]["totals"]["compensationPaid"]["amount"]
    pool = await _api(base, token, POOL)
    if pool.get("errors"):  # a role that may not read the funds' books: the card says so
        assert pool["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert cards["card-pool-cash"] == ""
    else:
        assert cards["card-pool-cash"] == pool["data"]["poolStatistics"]["poolCash"]["amount"]
    claims = (await _api(base, token, CLAIMS))["data"]
    shown = await page.get_attribute("#chart-claims", "data-counts")
    assert shown == str([claims[s.lower()]["totalCount"] for s in CLAIM_STATES]).replace(" ", "")
    rows = await page.locator("#warnings tbody tr").count()
    assert rows == max(len(data["warnings"]), 1)  # an empty list shows one "无预警" row
    charts = ["chart-institution", "chart-month", "chart-claims"]
    for chart in charts if pool.get("errors") else ["chart-cash", *charts]:
        assert await page.locator(f"#{chart} canvas").count() >= 1, chart
    return token, data


async def test_the_operator_sees_the_seeds_headline_figures(
    server: str, browser: Browser, artefacts: Path
) -> None:
    watched = await _open(browser)
    await _dev_login(watched, server, "operator")
    await _assert_page_equals_api(watched, server)
    cards = await _cards(watched.page)
    # The seed's figures: 1亿 reserve, 1.7亿 pool, 4.9亿 credit, 2.8亿 disbursed, 231.93万 paid.
    assert cards["card-reserve"] == "100000000.00"
    assert cards["card-pool-capital"] == "170000000.00"
    assert cards["card-credit"] == "490000000.00"
    assert cards["card-disbursed"] == "280000000.00"
    assert cards["card-paid"] == "2319300.00"
    texts = await watched.page.locator(".card .big").all_inner_texts()
    assert texts == ["1亿", "1.7亿", "1.7071亿", "4.9亿", "2.8亿", "231.93万"]
    await watched.page.screenshot(path=artefacts / "dashboard-operator.png", full_page=True)
    assert watched.console_errors == []
    assert watched.foreign() == []
    assert any(url.endswith("/static/vendor/echarts/echarts.min.js") for url in watched.requests)


async def test_an_institution_sees_only_its_own_figures(
    server: str, browser: Browser, artefacts: Path
) -> None:
    operator = await _open(browser)
    await _dev_login(operator, server, "operator")
    _, everyone = await _assert_page_equals_api(operator, server)
    token = await operator.page.evaluate("window.localStorage.getItem('riskpool.token')")
    institutions = await _api(
        server, token, "{ institutions(first: 100) { nodes { databaseId name } } }"
    )
    zzb = next(n for n in institutions["data"]["institutions"]["nodes"] if n["name"] == "郑州银行")

    watched = await _open(browser)
    await _dev_login(watched, server, "institution", zzb["databaseId"])
    _, own = await _assert_page_equals_api(watched, server)
    own_credit = own["scheme"]["totals"]["creditGranted"]["amount"]
    assert own_credit != everyone["scheme"]["totals"]["creditGranted"]["amount"]
    cards = await _cards(watched.page)
    assert cards["card-credit"] == own_credit
    # The ledger's accounts are not an institution's to read: the cards say so.
    assert cards["card-reserve"] == cards["card-pool-cash"] == ""
    assert "无权查看" in await watched.page.inner_text("#card-reserve")
    assert "无权查看" in await watched.page.inner_text("#chart-cash")
    assert "合作机构" in await watched.page.inner_text("#who")
    await watched.page.screenshot(path=artefacts / "dashboard-institution.png", full_page=True)
    assert watched.console_errors == []
    assert watched.foreign() == []


async def test_a_bad_token_asks_for_a_new_one(server: str, browser: Browser) -> None:
    watched = await _open(browser)
    await watched.page.goto(f"{server}/dashboard?{SEED}")
    await watched.page.wait_for_selector("body[data-state=no-token]")
    await watched.page.fill("#token", "Bearer not-a-token")
    await watched.page.click("#use-token")
    await watched.page.wait_for_selector("body[data-state=error]", timeout=30_000)
    assert "令牌无效" in await watched.page.inner_text("#status")
    assert (await _cards(watched.page))["card-credit"] is None
    assert watched.foreign() == []


async def test_graphiql_runs_offline(server: str, browser: Browser, artefacts: Path) -> None:
    watched = await _open(browser)
    await _dev_login(watched, server, "operator")  # GraphiQL takes the stored token
    async with watched.page.expect_response(
        lambda r: r.url.endswith("/graphql") and r.request.method == "POST"
    ) as introspection:
        await watched.page.goto(f"{server}/graphql", wait_until="load")
    assert (await introspection.value).status == 200
    await watched.page.wait_for_selector(".graphiql-container", timeout=30_000)
    await watched.page.screenshot(path=artefacts / "graphiql.png")
    # The 401 a dashboard request can never cause here, and no React or GraphiQL error.
    assert [e for e in watched.console_errors if "401" not in e] == []
    assert watched.foreign() == []
    assert any(url.endswith("/static/vendor/graphiql/graphiql.min.js") for url in watched.requests)
