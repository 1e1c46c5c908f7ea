"""A learner's lab result in a real browser: imported through the upload form, shown on the lab, concept and
question pages, deleted from the lab page (after the confirmation), and gone from all three."""

from __future__ import annotations

from app.settings import PROJECT_ROOT
from tests.backends import query
from tests.browser.conftest import screenshot
from tests.server import LiveServer

CPU_LORA = PROJECT_ROOT / "tests" / "data" / "labs" / "cpu-lora.json"


def _question_with_lab(server: LiveServer, concept: str) -> str:
    rows = query(server.database, "SELECT question_id FROM question_concept WHERE concept_id = :concept ORDER BY 1",
                 {"concept": concept})
    found = rows[0] if rows else None
    assert found, f"no question on {concept}"
    return str(found[0])


def test_a_deleted_result_is_gone_from_the_lab_concept_and_question_pages(live_server: LiveServer,
                                                                          page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/labs")
    page.set_input_files('.lab-import input[type="file"]', str(CPU_LORA))
    page.click('.lab-import button[type="submit"]')
    page.wait_for_url("**/labs/lora?mine=*")
    run_id = page.url.split("mine=")[1].split("#")[0]
    pages = {"lab": "/labs/lora", "concept": "/concepts/lora",
             "question": f"/questions/{_question_with_lab(live_server, 'lora')}"}

    def shown(path: str) -> tuple[int, int]:
        """(results of mine, reference results) that `path` shows."""
        page.goto(live_server.url + path)
        mine = page.locator(f'[data-mine="{run_id}"], .lab-result[data-run-id="{run_id}"]').count()
        return mine, page.locator('.lab-result[data-lab="lora"][data-reference="true"]').count()

    for name, path in pages.items():
        mine, references = shown(path)
        assert mine >= 1 and references >= 1, (name, mine, references)

    page.goto(f"{live_server.url}/labs/lora?mine={run_id}#compare")
    page.click('[data-testid="lab-delete"] summary')  # the fold asks first
    page.click('[data-testid="lab-delete-submit"]')
    page.wait_for_selector('[data-testid="lab-deleted"]')
    assert f"#{run_id}" in page.locator('[data-testid="lab-deleted"]').inner_text()
    screenshot(page, "labs-run-deleted")

    for name, path in pages.items():
        mine, references = shown(path)
        assert mine == 0 and references >= 1, (name, mine, references)  # the reference stays
    assert page.dialogs == []
