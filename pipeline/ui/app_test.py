"""The dashboard's safety, in process (FastAPI's TestClient) on an empty workspace: token, read-only, form key."""
import pytest
from fastapi.testclient import TestClient

from core.workspace import Workspace
from pipeline.ui.app import create_app


@pytest.fixture()
def workspace(tmp_path):
    (tmp_path / "adapt.yaml").write_text("model: {module: models.taxi, name: taxi}\n")
    return Workspace.open(str(tmp_path))


def test_every_page_answers_on_a_workspace_with_nothing_run_yet(workspace):
    client = TestClient(create_app(workspace))
    for path in ("/", "/batches", "/batches/nothing", "/models", "/data", "/runs"):
        answer = client.get(path)
        assert answer.status_code == 200 and "<header><b>adapt</b>" in answer.text, path
    assert client.get("/logs/..%2Fadapt.yaml").status_code == 404


def test_with_a_token_nothing_answers_without_it_and_the_token_once_is_kept_in_a_cookie(workspace):
    client = TestClient(create_app(workspace, token="s3cret"))
    assert client.get("/").status_code == 401
    assert client.get("/", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert client.get("/?token=s3cret").status_code == 200
    assert client.get("/models").status_code == 200   # the cookie from the first visit


def test_read_only_unless_allowed_and_a_rollback_needs_the_forms_key_and_a_reason(workspace):
    read_only = TestClient(create_app(workspace))
    assert "roll back to" not in read_only.get("/models").text
    assert read_only.post("/models/rollback", data={"version": "1", "reason": "x"}).status_code == 403
    allowed = TestClient(create_app(workspace, allow_rollback=True))
    assert allowed.post("/models/rollback", data={"version": "1", "reason": "x", "form_key": "guess"}).status_code == 403
    # with the form's own key the rollback goes through: tests/e2e/own_data_replay_test.py clicks it
