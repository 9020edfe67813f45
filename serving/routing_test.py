"""The choice of the version that answers a predict request, without a server."""
import pytest

from serving.routing import CanarySplit, Route, RouteError, route, routed_to_canary

HALF = CanarySplit(traffic=0.5)


def test_a_pinned_version_is_answered_by_that_version_canary_or_not():
    assert route("taxi", "3", None, None) == Route("version", version=3)
    assert route("taxi", "3", None, HALF, "key") == Route("version", version=3)
    assert route("taxi", "3", None, CanarySplit(1.0, shadow=True)) == Route("version", version=3)


def test_without_a_canary_the_default_path_and_the_stable_label_are_the_stable_version():
    assert route("taxi", None, None, None, "key") == Route("stable")
    assert route("taxi", None, "stable", None) == Route("stable")


def test_a_canary_takes_its_share_of_the_default_path_sticky_by_key():
    keys = [str(k) for k in range(400)]
    labels = {key: route("taxi", None, None, HALF, key).label for key in keys}
    assert set(labels.values()) == {"stable", "canary"}
    assert 150 < sum(label == "canary" for label in labels.values()) < 250
    assert all(route("taxi", None, None, HALF, key).label == labels[key] for key in keys)  # every time the same
    assert all(route("taxi", None, None, CanarySplit(1.0), key).label == "canary" for key in keys)
    # a larger share keeps every key the smaller one sent to the canary
    wider = CanarySplit(0.8)
    assert all(routed_to_canary(wider, key) for key in keys if labels[key] == "canary")


def test_a_request_without_a_key_goes_by_chance():
    assert route("taxi", None, None, HALF, "", draw=lambda: 0.49) == Route("canary")
    assert route("taxi", None, None, HALF, "", draw=lambda: 0.5) == Route("stable")


def test_in_shadow_mode_the_stable_version_answers_and_the_canary_a_copy():
    shadow = CanarySplit(1.0, shadow=True)
    for key in ("", "a", "b"):
        assert route("taxi", None, None, shadow, key) == Route("stable", shadow=True)
    assert route("taxi", None, "stable", shadow) == Route("stable")  # a label is answered by its version alone
    assert route("taxi", None, "canary", shadow) == Route("canary")


def test_labels_reach_each_version_and_a_missing_or_unknown_label_is_refused():
    assert route("taxi", None, "canary", HALF) == Route("canary")
    assert route("taxi", None, "stable", HALF, "any key") == Route("stable")
    with pytest.raises(RouteError, match="model taxi has no canary now"):
        route("taxi", None, "canary", None)
    with pytest.raises(RouteError, match="unknown label 'blue': stable or canary"):
        route("taxi", None, "blue", HALF)
