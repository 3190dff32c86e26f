"""Account names: code first, then the Chinese name; valid for beancount; injective; a tree.

Validity is asked of beancount itself — its account regex
(``beancount.core.account.is_valid``) and its parser, which must read every
generated name back unchanged — on generated codes and names of any script.
Injectivity is proved by decoding: the code is read back from every name.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from beancount.core import account as bean_account
from beancount.core import data
from beancount.parser import parser
from hypothesis import given, settings
from hypothesis import strategies as st

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.export import naming
from riskpool.ledger.model import Account, AccountType, Book

POOL = Book(1, "CITY_POOL", "市科技金融风险分担资金池")

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
codes = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=10)
kinds = st.sampled_from(list(AccountType))


def account(
    code: str, name: str, kind: AccountType = AccountType.ASSET, parent: str | None = None
) -> Account:
    return Account(
        0, POOL.code, code, name, kind, "CNY", date(2025, 1, 1), None, parent, False, False
    )


def decode_code(component: str) -> str:
    """The code back from a component: the text before the first ``-``, unescaped."""
    encoded = component.split("-", 1)[0]
    return re.sub(r"X([0-9A-F]+)X", lambda m: chr(int(m.group(1), 16)), encoded)


def parses_back(names: list[str]) -> bool:
    """beancount's own parser reads ``open`` directives of ``names`` without error, unchanged."""
    text = "".join(f"2025-01-01 open {name} CNY\n" for name in names)
    entries, errors, _ = parser.parse_string(text)
    opened = [e.account for e in entries if isinstance(e, data.Open)]
    return not errors and opened == names


def test_a_component_is_the_code_then_the_chinese_name() -> None:
    assert naming.component("100201", "银行存款-资金池专户") == "100201-银行存款-资金池专户"
    # Full-width brackets, spaces and "_" are refused by beancount: they become "-".
    assert naming.component("5301", "银行手续费（专户）") == "5301-银行手续费-专户"
    assert naming.component("5302", "a b_c") == "5302-a-b-c"
    # Codes that are not plain digits are escaped, so they stay decodable.
    assert naming.component("1002.01", "x") == "1002X2EX01-x"
    assert naming.component("a1", "x") == "X61X1-x"
    assert naming.component("10X", "") == "10X58X"


def test_book_components_are_readable() -> None:
    assert naming.book_component(POOL) == "CITY-POOL-市科技金融风险分担资金池"
    assert naming.book_component(Book(2, "MEMO", "备查簿")) == "MEMO-备查簿"
    assert naming.book_component(Book(3, "pool", "资金池")) == "B-pool-资金池"
    assert naming.book_component(Book(4, "_", "（）")) == "B"


def test_sub_accounts_sit_under_their_parents() -> None:
    names = naming.account_names(
        POOL,
        [
            account("1002", "银行存款"),
            account("100201", "银行存款-资金池专户", parent="1002"),
            account("10020101", "子户", parent="100201"),
            account("3001", "财政拨入资金", AccountType.NET_ASSETS),
        ],
    )
    top = "CITY-POOL-市科技金融风险分担资金池"
    assert names == {
        "1002": f"Assets:{top}:1002-银行存款",
        "100201": f"Assets:{top}:1002-银行存款:100201-银行存款-资金池专户",
        "10020101": f"Assets:{top}:1002-银行存款:100201-银行存款-资金池专户:10020101-子户",
        "3001": f"Equity:{top}:3001-财政拨入资金",
    }
    assert parses_back(list(names.values()))


def test_a_parent_outside_the_chart_is_refused() -> None:
    with pytest.raises(RiskpoolError) as refused:
        naming.account_names(POOL, [account("100201", "x", parent="1002")])
    assert refused.value.code is ErrorCode.INVALID_ACCOUNT


def test_books_that_would_share_a_component_are_refused_together() -> None:
    naming.require_distinct([POOL, Book(2, "MEMO", "备查簿")])
    with pytest.raises(RiskpoolError) as refused:
        naming.require_distinct([Book(1, "A_B", "池"), Book(2, "A-B", "池")])
    assert refused.value.code is ErrorCode.DUPLICATE


@settings(max_examples=300, deadline=None)
@given(code=codes, name=texts, kind=kinds)
def test_every_code_and_name_give_a_name_beancount_accepts(
    code: str, name: str, kind: AccountType
) -> None:
    full = naming.account_names(POOL, [account(code, name, kind)])[code]
    assert bean_account.is_valid(full)
    assert full.split(":")[0] == naming.ROOTS[kind]
    assert parses_back([full])
    own = full.split(":")[-1]
    assert decode_code(own) == code  # the code is read back: names are injective
    assert own != naming.OPENING_BALANCES


@settings(max_examples=100, deadline=None)
@given(entries=st.dictionaries(codes, texts, min_size=2, max_size=8))
def test_distinct_codes_never_share_a_name(entries: dict[str, str]) -> None:
    accounts = [account(code, name) for code, name in entries.items()]
    names = naming.account_names(POOL, accounts)
    assert len(set(names.values())) == len(entries)
    assert naming.opening_balances_account(POOL) not in names.values()
    assert parses_back(sorted(names.values()))


@settings(max_examples=100, deadline=None)
@given(code=codes, name=texts)
def test_book_components_are_valid_for_any_book(code: str, name: str) -> None:
    top = naming.book_component(Book(1, code, name))
    assert parses_back([f"Assets:{top}:1002-银行存款"])
    assert parses_back([naming.opening_balances_account(Book(1, code, name))])
