"""Links from concept pages: /quiz?concept=ID preselects that concept in the set-up form."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_concept_link_preselects_the_concept(client: TestClient) -> None:
    page = client.get("/quiz", params={"concept": "zero"})
    assert page.status_code == 200
    assert 'value="zero" selected' in page.text or 'value="zero" checked' in page.text
