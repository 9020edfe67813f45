"""Alerts against a local HTTP server: the three message shapes, the events chosen, and every failure a status."""
import time

import pytest

from core import alerts
from core.config import AlertsConfig
from tests.webhook import Hook


@pytest.fixture()
def hook():
    found = Hook()
    yield found
    found.close()


@pytest.mark.parametrize("shape, expected", [
    ("adapt", {"event": "push", "model": "taxi", "text": "pushed as version 3", "details": {"version": 3}}),
    ("slack", {"text": "adapt · taxi · push: pushed as version 3"}),
    ("teams", {"@type": "MessageCard", "summary": "adapt push", "title": "adapt · taxi · push",
               "text": "pushed as version 3"}),
])
def test_each_shape_reaches_the_webhook(hook, shape, expected):
    sent = alerts.send(AlertsConfig(webhook=hook.url, format=shape), "push", "taxi", "pushed as version 3",
                       {"version": 3})
    assert sent == alerts.Sent("push", "pushed as version 3", True, "200")
    assert {k: v for k, v in hook.received[0].items() if k != "@context"} == expected


def test_nothing_is_sent_without_a_webhook_or_for_an_event_not_chosen(hook):
    assert alerts.send(AlertsConfig(), "push", "taxi", "x") is None
    assert alerts.send(AlertsConfig(webhook=hook.url, events=["drift"]), "push", "taxi", "x") is None
    assert hook.received == []


def test_a_failing_slow_or_missing_webhook_is_a_status_never_an_error():
    failing, slow = Hook(status=500), Hook(delay=2.0)
    try:
        assert alerts.send(AlertsConfig(webhook=failing.url), "drift", "m", "t").status == "HTTP 500"
        started = time.perf_counter()
        timed_out = alerts.send(AlertsConfig(webhook=slow.url, timeout_seconds=0.3), "drift", "m", "t")
        assert not timed_out.delivered and "timed out" in timed_out.status and time.perf_counter() - started < 1.5
    finally:
        failing.close()
        slow.close()
    refused = alerts.send(AlertsConfig(webhook="http://127.0.0.1:1/"), "drift", "m", "t")
    assert not refused.delivered and "refused" in refused.status.lower()
    assert not alerts.send(AlertsConfig(webhook="not a url"), "drift", "m", "t").delivered
