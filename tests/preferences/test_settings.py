"""Settings: the form, the one-click switches and the JSON twin all change the same stored preferences."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_defaults_then_update_through_the_api(client: TestClient) -> None:
    assert client.get("/api/settings").json() == {
        "daily_new_limit": 20, "desired_retention": 0.9, "language": "zh", "theme": "auto", "fsrs_parameters": None,
        "daily_review_limit": 100, "interview_date": None, "interview_topics": []}
    changed = client.put("/api/settings", json={"daily_new_limit": 5, "desired_retention": 0.85}).json()
    assert changed["daily_new_limit"] == 5 and changed["desired_retention"] == 0.85 and changed["language"] == "zh"


def test_out_of_range_values_are_refused_by_field(client: TestClient) -> None:
    response = client.put("/api/settings", json={"desired_retention": 1.5})
    assert response.status_code == 422
    assert "desired_retention" in response.text
    page = client.post("/settings", data={"daily_new_limit": "-3", "desired_retention": "0.9", "language": "zh",
                                          "theme": "auto"})
    assert page.status_code == 422 and "daily_new_limit" in page.text
    assert client.get("/api/settings").json()["daily_new_limit"] == 20


def test_the_form_saves_and_the_language_switch_translates_the_page(client: TestClient) -> None:
    saved = client.post("/settings", data={"daily_new_limit": "12", "desired_retention": "0.92", "language": "zh",
                                           "theme": "dark"})
    assert saved.status_code == 200 and "已保存" in saved.text and 'data-theme="dark"' in saved.text
    client.post("/settings/language", data={"language": "en"})
    page = client.get("/settings")
    assert "New cards per day" in page.text and '<html lang="en"' in page.text
    assert client.get("/api/settings").json()["daily_new_limit"] == 12
