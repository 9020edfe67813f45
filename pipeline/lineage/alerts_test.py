"""An alert is sent and recorded in ML Metadata, where `adapt history` shows it; a dead webhook is recorded too."""
from core.workspace import Workspace
from pipeline.lineage import alerts, history
from tests.webhook import Hook


def _workspace(tmp_path, webhook):
    (tmp_path / "adapt.yaml").write_text(f"model: {{module: models.taxi, name: taxi}}\nalerts: {{webhook: '{webhook}'}}\n")
    workspace = Workspace.open(str(tmp_path))
    return workspace, workspace.load_config()


def test_an_alert_sent_is_in_the_history_and_one_not_delivered_says_why(tmp_path):
    hook = Hook()
    try:
        workspace, config = _workspace(tmp_path, hook.url)
        assert alerts.alert(workspace, config, "drift", "batch b2: payment_type drifted").delivered
    finally:
        hook.close()
    assert hook.received[0]["event"] == "drift" and hook.received[0]["model"] == "taxi"
    dead = config.with_overrides({"alerts.webhook": "http://127.0.0.1:1/"})
    assert not alerts.alert(workspace, dead, "rollback", "rolled back from version 2 to 1: bad").delivered
    rows = [row for row in history.history(workspace, config) if row["event"] == "alert"]
    assert [(r["trigger"], r["reason"]) for r in rows] == [
        ("drift", "batch b2: payment_type drifted"), ("rollback", "rolled back from version 2 to 1: bad")]
    assert rows[0]["outcome"] == "sent" and rows[1]["outcome"].startswith("not delivered (")
    assert "refused" in rows[1]["outcome"].lower()


def test_without_a_webhook_nothing_is_sent_or_recorded(tmp_path):
    (tmp_path / "adapt.yaml").write_text("model: {module: models.taxi, name: taxi}\n")
    workspace = Workspace.open(str(tmp_path))
    assert alerts.alert(workspace, workspace.load_config(), "push", "x") is None
    assert not (tmp_path / "metadata.sqlite").exists()
