"""The reconciliation over GraphQL: upload, run, four eyes, report, and who may do what."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from io import BytesIO
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from recon_db import MARCH, POOL_ACCOUNT, counts, pool_ledger, statement

from riskpool.bootstrap import App, build
from riskpool.domain.commands.parties import RegisterInstitution
from riskpool.domain.model.parties import Actor, InstitutionKind, Role
from riskpool.graphql.app import create_app, token_settings
from riskpool.graphql.auth.tokens import mint
from riskpool.settings import Settings

READERS = {
    Role.OPERATOR,
    Role.AUDITOR,
    Role.FINANCE_BUREAU,
    Role.SCIENCE_BUREAU,
    Role.CITY_GOVERNMENT,
    Role.VIEWER,
}

UPLOAD = """
mutation($content: String!) {
  importStatement(content: $content, filename: "march.sta") {
    statementImport { linesAdded alreadyImported format }
    userErrors { code field message }
  }
}"""
RUN = """
mutation($dry: Boolean!) {
  runReconciliation(dryRun: $dry) {
    run { id dryRun actor matches autoConfirmed proposals }
    matches { id rule status score components { name points } }
    userErrors { code }
  }
}"""
CONFIRM = """
mutation($id: Int!) {
  confirmMatch(matchId: $id, reason: "bank advice") {
    match { id status decidedBy reason }
    userErrors { code message }
  }
}"""
REPORT = """
query {
  reconciliationReport(asOf: "2025-03-31") {
    bankAccount
    table { balanced bookBalance { amount } bankBalance { amount } difference { amount } }
    matched { id rule }
    openProposals { id }
    unmatchedBankLines { ageDays line { amount { amount } } }
    unmatchedPostings { ageDays }
  }
}"""


class Client:
    def __init__(self, app: App, http: httpx.AsyncClient) -> None:
        self.app, self.http = app, http

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, role: Role, subject: str
    ) -> dict[str, Any]:
        token = mint(
            token_settings(self.app),
            subject=subject,
            role=role,
            institution_id=1 if role is Role.INSTITUTION else None,
        )
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
async def client(database: Any) -> AsyncIterator[Client]:
    app = build(Settings(database_url=database.url, load_demo=False), db=database.db)
    await pool_ledger(database.db)
    await app.reconciliation.register_account("op", POOL_ACCOUNT)
    # Institution tokens must name an institution that exists (#1, minted by Client.gql).
    await app.handle(
        RegisterInstitution(name="甲银行", kind=InstitutionKind.BANK), Actor(Role.OPERATOR, "op")
    )
    transport = httpx.ASGITransport(app=create_app(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Client(app, http)


def encoded(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def test_upload_run_and_four_eyes_over_graphql(client: Client, database: Any) -> None:
    content = encoded(statement(MARCH))
    op = {"role": Role.OPERATOR, "subject": "alice"}
    body = await client.gql(UPLOAD, {"content": content}, **op)
    payload = body["data"]["importStatement"]
    assert payload["userErrors"] == []
    assert payload["statementImport"] == {
        "linesAdded": 3,
        "alreadyImported": False,
        "format": "mt940",
    }
    again = await client.gql(UPLOAD, {"content": content}, **op)
    assert again["data"]["importStatement"]["statementImport"]["alreadyImported"] is True

    before = await counts(database.db)
    dry = (await client.gql(RUN, {"dry": True}, **op))["data"]["runReconciliation"]
    assert dry["run"]["id"] is None and dry["run"]["dryRun"] is True
    assert await counts(database.db) == before

    run = (await client.gql(RUN, {"dry": False}, **op))["data"]["runReconciliation"]
    assert run["run"]["actor"] == "alice" and run["run"]["proposals"] == 1
    (proposal,) = [m for m in run["matches"] if m["status"] == "PROPOSED"]
    assert {c["name"] for c in proposal["components"]} >= {"amount", "date"}

    own = (await client.gql(CONFIRM, {"id": proposal["id"]}, **op))["data"]["confirmMatch"]
    assert [e["code"] for e in own["userErrors"]] == ["FORBIDDEN"]
    other = await client.gql(CONFIRM, {"id": proposal["id"]}, role=Role.OPERATOR, subject="bob")
    confirmed = other["data"]["confirmMatch"]
    assert confirmed["userErrors"] == []
    assert confirmed["match"] == {
        "id": proposal["id"],
        "status": "CONFIRMED",
        "decidedBy": "bob",
        "reason": "bank advice",
    }

    report = (await client.gql(REPORT, role=Role.AUDITOR, subject="auditor"))["data"]
    table = report["reconciliationReport"]["table"]
    assert table["balanced"] is True
    assert table["bookBalance"]["amount"] == table["bankBalance"]["amount"] == "850.00"
    assert len(report["reconciliationReport"]["matched"]) == 3


async def test_bad_uploads_are_user_errors_and_store_nothing(client: Client, database: Any) -> None:
    before = await counts(database.db)
    op = {"role": Role.OPERATOR, "subject": "alice"}
    for content, code in (
        ("not base64!", "STATEMENT_INVALID"),
        (encoded(statement(MARCH, closing="1.00")), "STATEMENT_UNBALANCED"),
        # Just above the statement limit; far larger bodies are 413 before they are read.
        ("A" * (4 * -(-client.app.settings.statement_max_bytes // 3) + 1024), "FILE_TOO_LARGE"),
    ):
        body = await client.gql(UPLOAD, {"content": content}, **op)
        assert [e["code"] for e in body["data"]["importStatement"]["userErrors"]] == [code]
    assert await counts(database.db) == before


async def test_roles(client: Client) -> None:
    op = {"role": Role.OPERATOR, "subject": "alice"}
    await client.gql(UPLOAD, {"content": encoded(statement(MARCH))}, **op)
    for role in Role:
        body = await client.gql(REPORT, role=role, subject=f"u-{role.value}")
        if role in READERS:
            assert "errors" not in body, (role, body)
        else:
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", role
            assert body["data"] is None
        run = await client.gql(RUN, {"dry": True}, role=role, subject="x")
        codes = [e["code"] for e in run["data"]["runReconciliation"]["userErrors"]]
        assert (codes == ["FORBIDDEN"]) is (role is not Role.OPERATOR), (role, codes)


REGISTER = """
mutation($number: String!, $code: String!) {
  registerBankAccount(bank: "中国工商银行", number: $number, currency: "CNY",
                      book: "CITY_POOL", ledgerAccount: $code, openingDate: "2025-01-01") {
    bankAccount { id number bank currency book ledgerAccount openingDate registeredBy }
    userErrors { code field }
  }
}"""
ACCOUNTS = "query { bankAccounts { number ledgerAccount } }"
REPORTS = 'query { reconciliationReports(asOf: "2025-03-31") { bankAccount } }'


async def test_bank_accounts_are_registered_over_graphql(client: Client) -> None:
    op = {"role": Role.OPERATOR, "subject": "alice"}
    taken = await client.gql(REGISTER, {"number": "NEW1", "code": "100201"}, **op)
    codes = [e["code"] for e in taken["data"]["registerBankAccount"]["userErrors"]]
    assert codes == ["DUPLICATE"]  # 100201 mirrors the pool's account already
    for role in Role:
        if role is not Role.OPERATOR:
            body = await client.gql(
                REGISTER, {"number": "NEW1", "code": "100201"}, role=role, subject="x"
            )
            codes = [e["code"] for e in body["data"]["registerBankAccount"]["userErrors"]]
            assert codes == ["FORBIDDEN"], role
        listed = await client.gql(ACCOUNTS, role=role, subject="x")
        if role in READERS:
            assert listed["data"]["bankAccounts"] == [
                {"number": "41050100000000000001", "ledgerAccount": "100201"}
            ]
        else:
            assert listed["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    unknown = await client.gql(
        UPLOAD, {"content": encoded(statement(MARCH).replace(b"00000001", b"00000002"))}, **op
    )
    codes = [e["code"] for e in unknown["data"]["importStatement"]["userErrors"]]
    assert codes == ["STATEMENT_ACCOUNT_UNKNOWN"]
    await client.gql(UPLOAD, {"content": encoded(statement(MARCH))}, **op)
    reports = await client.gql(REPORTS, **op)
    assert reports["data"]["reconciliationReports"] == [{"bankAccount": "41050100000000000001"}]


SHEETS = """
query($format: ReconciliationSheetFormat!) {
  reconciliationSheets(asOf: "2025-03-31", format: $format, reviewer: "bob") {
    filename contentType contentBase64 sizeBytes
  }
}"""


async def test_the_adjustment_sheet_downloads_over_graphql(client: Client) -> None:
    op = {"role": Role.OPERATOR, "subject": "alice"}
    await client.gql(UPLOAD, {"content": encoded(statement(MARCH))}, **op)
    body = await client.gql(SHEETS, {"format": "PDF"}, role=Role.AUDITOR, subject="carol")
    (document,) = body["data"]["reconciliationSheets"]
    content = base64.b64decode(document["contentBase64"])
    assert content.startswith(b"%PDF-") and len(content) == document["sizeBytes"]
    assert document["contentType"] == "application/pdf"
    assert document["filename"] == "调节表-41050100000000000001-2025-03-31.pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(content)).pages)
    assert "银行存款余额调节表" in text and "编制人：carol" in text and "复核人：bob" in text
    xlsx = await client.gql(SHEETS, {"format": "XLSX"}, **op)
    assert xlsx["data"]["reconciliationSheets"][0]["filename"].endswith(".xlsx")
    own = await client.gql(SHEETS, {"format": "PDF"}, role=Role.OPERATOR, subject="bob")
    assert own["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    institution = await client.gql(SHEETS, {"format": "PDF"}, role=Role.INSTITUTION, subject="i")
    assert institution["errors"][0]["extensions"]["code"] == "FORBIDDEN"
