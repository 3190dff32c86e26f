"""Keyset connections: forward and backward paging, sorting, stable cursors, filters."""

from __future__ import annotations

from typing import Any

from api_harness import Api

PAGE = """query($first: Int, $after: String, $last: Int, $before: String, $desc: Boolean!) {
  loans(first: $first, after: $after, last: $last, before: $before, sort: CONTRACT_SORT,
        descending: $desc) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { contractNo } }
  }
}"""


async def _page(api: Api, sort: str = "GRANTED_ON", **variables: Any) -> dict[str, Any]:
    variables.setdefault("desc", False)
    body = await api.gql(PAGE.replace("CONTRACT_SORT", sort), variables)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["loans"]
    return result


async def test_forward_then_backward_visits_every_loan_once(api: Api) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = await _page(api, first=1, after=after)
        seen += [e["node"]["contractNo"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 3 and len(set(seen)) == 3
    back: list[str] = []
    before = None
    while True:
        page = await _page(api, last=1, before=before)
        back = [e["node"]["contractNo"] for e in page["edges"]] + back
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert back == seen


async def test_descending_sort_by_credit_line_and_totals(api: Api) -> None:
    ascending = await _page(api, "CREDIT_LINE", first=10)
    descending = await _page(api, "CREDIT_LINE", first=10, desc=True)
    assert ascending["totalCount"] == descending["totalCount"] == 3
    up = [e["node"]["contractNo"] for e in ascending["edges"]]
    down = [e["node"]["contractNo"] for e in descending["edges"]]
    assert up == list(reversed(down))
    second = await _page(
        api, "CREDIT_LINE", first=1, desc=True, after=descending["edges"][0]["cursor"]
    )
    assert second["edges"][0]["node"]["contractNo"] == down[1]


async def test_filters_combine(api: Api) -> None:
    body = await api.gql(
        "{ loans(filter: {loanType: GUARANTEED, status: IN_POOL}) { totalCount nodes "
        "{ contractNo } } overdue: loans(filter: {status: OVERDUE}) { totalCount } }"
    )
    assert body["data"]["loans"]["nodes"] == [{"contractNo": "A-G"}]
    assert body["data"]["overdue"]["totalCount"] == 1


async def test_malformed_cursor_is_a_validation_error(api: Api) -> None:
    body = await api.gql('{ loans(after: "not-a-cursor") { totalCount } }')
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"


async def test_journal_and_accounts_page(api: Api) -> None:
    body = await api.gql(
        '{ journalEntries(book: "CITY_POOL", first: 2) { totalCount edges { cursor } } '
        'accounts(book: "CITY_POOL", first: 3) { totalCount pageInfo { hasNextPage } } }'
    )
    assert body["data"]["accounts"]["pageInfo"]["hasNextPage"]
    assert body["data"]["journalEntries"]["totalCount"] == 0


async def test_account_filter_without_a_book_is_a_validation_error(api: Api) -> None:
    body = await api.gql('{ journalEntries(account: "100201") { totalCount } }')
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"
