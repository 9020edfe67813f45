"""Which version answers a predict request: the one its URL pins, a label's, or, while a canary runs, the canary's
share of the default path (sticky by the client's key), or the stable version with the canary answering a copy.

A pure choice: the caller reads the URL, the running canary and the key header, and resolves the route to a
loaded model (serving/predict.py).
"""
import hashlib
import random
from dataclasses import dataclass
from typing import Callable, Optional

CANARY_KEY_HEADER = "x-canary-key"  # requests naming the same key go to the same version while a canary runs


class RouteError(Exception):
    """The URL names a label that has no version now, or no label at all (a 404)."""


@dataclass(frozen=True)
class CanarySplit:
    """How a running canary shares the default predict path with the stable version."""
    traffic: float        # the share of requests the canary answers, above 0 and at most 1
    shadow: bool = False  # the stable version answers every request; the canary answers a copy of each


@dataclass(frozen=True)
class Route:
    label: str                      # stable, canary, or version (the URL pinned one): the X-Model-Label
    version: Optional[int] = None   # the pinned version
    shadow: bool = False            # the canary also answers, after the client has the stable version's answer


# the routes of the default path, made once: a request allocates none
STABLE = Route("stable")
CANARY = Route("canary")
STABLE_WITH_SHADOW = Route("stable", shadow=True)


def route(model_name: str, version: Optional[str], label: Optional[str], canary: Optional[CanarySplit],
          canary_key: str = "", draw: Callable[[], float] = random.random) -> Route:
    """The route of a request to /v1/models/<model_name>[/versions/<version> | /labels/<label>]:predict.

    `canary` is the running canary's split (None when none runs), `canary_key` the request's X-Canary-Key, and
    `draw` the chance a request without a key is weighed by."""
    if version:
        return Route("version", version=int(version))
    if label == "canary":
        if canary is None:
            raise RouteError(f"model {model_name} has no canary now")
        return CANARY
    if label not in (None, "stable"):
        raise RouteError(f"unknown label {label!r}: stable or canary")
    if label is None and canary is not None:
        if canary.shadow:
            return STABLE_WITH_SHADOW
        if routed_to_canary(canary, canary_key, draw):
            return CANARY
    return STABLE


def routed_to_canary(canary: CanarySplit, key: str, draw: Callable[[], float] = random.random) -> bool:
    """Whether a request goes to the canary: by its key's hash when it names one (sticky), else by chance."""
    if not key:
        return draw() < canary.traffic
    digest = hashlib.sha256(key.encode("utf-8", "backslashreplace")).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64 < canary.traffic
