"""The dashboard (home page) lists the banks and their counts; /api/banks says the same."""

from __future__ import annotations

from html.parser import HTMLParser

from fastapi.testclient import TestClient

from app.db import make_engine
from app.settings import Settings
from tests.conftest import CONTENT


class _BankCards(HTMLParser):
    """Collects data-bank-id attributes and the text of each bank card's total."""

    def __init__(self) -> None:
        super().__init__()
        self.bank_ids: list[str] = []
        self.totals: list[str] = []
        self._in_total = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("data-bank-id"):
            self.bank_ids.append(attributes["data-bank-id"] or "")
        self._in_total = "total" in (attributes.get("class") or "").split()

    def handle_data(self, data: str) -> None:
        if self._in_total:
            self.totals.append(data)
            self._in_total = False


def test_empty_database_says_how_to_import(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "preplab import" in page.text


def test_home_lists_every_bank_with_counts(client: TestClient, settings: Settings) -> None:
    from app.content.service import import_paths

    engine = make_engine(settings.database_url)
    report = import_paths(engine, [CONTENT], settings=settings)
    engine.dispose()
    page = client.get("/")
    cards = _BankCards()
    cards.feed(page.text)
    assert sorted(cards.bank_ids) == sorted(report.kinds_by_bank)
    banks = client.get("/api/banks").json()
    assert sum(bank["total"] for bank in banks) == report.total
    assert {bank["id"]: bank["total"] for bank in banks} == {
        bank: sum(kinds.values()) for bank, kinds in report.kinds_by_bank.items()
    }
    assert all(f"共 {bank['total']} 题" in cards.totals for bank in banks)


def test_unknown_page_is_a_readable_404(client: TestClient) -> None:
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert "页面不存在" in page.text
    assert client.get("/api/no-such").json() == {"detail": "Not Found"}
