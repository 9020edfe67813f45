"""Alerts: a small JSON message POSTed to `alerts.webhook` when something happens that a person may want to know.

Events (`core.config.ALERT_EVENTS`): retrain, push, decline, drift, estimate, rollback, failure. The message takes
the shape `alerts.format` names: adapt's own ({"event", "model", "text", "details"}), Slack's incoming webhook
({"text"}) or Microsoft Teams' ({"@type": "MessageCard", "summary", "text"}). Fire and forget: one POST with
`alerts.timeout_seconds`, and whatever goes wrong (no route, a 500, a timeout) is returned as a status, never
raised, so a webhook never fails a run. No TensorFlow, no third-party HTTP client.
"""
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Dict, Optional

from core.config import AlertsConfig


@dataclass(frozen=True)
class Sent:
    event: str
    text: str
    delivered: bool
    status: str     # "200", "HTTP 500", "timed out after 2.0 s", ...


def message(settings: AlertsConfig, event: str, model: str, text: str, details: Dict[str, Any]) -> Dict[str, Any]:
    said = f"adapt · {model} · {event}: {text}"
    if settings.format == "slack":
        return {"text": said}
    if settings.format == "teams":
        return {"@type": "MessageCard", "@context": "https://schema.org/extensions", "summary": f"adapt {event}",
                "title": f"adapt · {model} · {event}", "text": text}
    return {"event": event, "model": model, "text": text, "details": details}


def send(settings: AlertsConfig, event: str, model: str, text: str,
         details: Optional[Dict[str, Any]] = None) -> Optional[Sent]:
    """POSTs the alert when a webhook is set and the event is wanted; None when nothing was to be sent."""
    if not settings.webhook or event not in settings.events:
        return None
    body = json.dumps(message(settings, event, model, text, details or {}), default=str).encode()
    try:
        request = urllib.request.Request(settings.webhook, data=body, method="POST",
                                         headers={"Content-Type": "application/json", "User-Agent": "adapt-alerts"})
        with urllib.request.urlopen(request, timeout=settings.timeout_seconds) as response:
            return Sent(event, text, 200 <= response.status < 300, str(response.status))
    except urllib.error.HTTPError as err:
        return Sent(event, text, False, f"HTTP {err.code}")
    except (TimeoutError, OSError, ValueError) as err:   # refused, unreachable, timed out, a malformed URL
        reason = getattr(err, "reason", err)
        status = (f"timed out after {settings.timeout_seconds} s" if isinstance(reason, TimeoutError)
                  or "timed out" in str(reason) else str(reason)[:200])
        return Sent(event, text, False, status)
