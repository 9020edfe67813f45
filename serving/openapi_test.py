"""The model server fuzzed from its own OpenAPI document (Schemathesis, bounded): no request it generates, valid or
not, gets a 5xx; every 4xx is a JSON object with an error message; every answer conforms to the document."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from serving.server_test import start_server
from tests.helpers import save_tiny_model

EXAMPLES = 40  # per operation and mode: 7 operations x 2 modes, about 20 s in all


@pytest.fixture(scope="module")
def served_api(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzzed")
    process, port, _ = start_server({1: save_tiny_model(str(root / "model"), weight=0.5)}, root / "served")
    try:
        yield schemathesis.openapi.from_url(f"http://127.0.0.1:{port}/openapi.json")
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_generated_requests_get_no_5xx_and_every_4xx_is_a_json_error(served_api, record_property):
    operations = [result.ok() for result in served_api.get_all_operations()]
    assert {operation.label for operation in operations} >= {
        "POST /v1/models/{name}:predict", "POST /v1/models/{name}/versions/{version}:predict",
        "POST /v1/models/{name}/labels/{label}:predict", "GET /v1/models/{name}/metadata", "GET /healthz"}
    sent, statuses = 0, {}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            def probe(case):
                nonlocal sent
                response = case.call(timeout=30)
                sent += 1
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                assert response.status_code < 500, (case.as_curl_command(), response.status_code, response.text[:300])
                if response.status_code >= 400:
                    body = response.json()
                    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], \
                        (case.as_curl_command(), response.text[:300])
                case.validate_response(response, excluded_checks=[schemathesis.checks.positive_data_acceptance])

            try:
                probe()
            except Unsatisfiable:  # an operation with no parameter and no body has no invalid request to make
                assert mode == GenerationMode.NEGATIVE, operation.label
    record_property("requests", sent)
    record_property("statuses", " ".join(f"{code}: {count}" for code, count in sorted(statuses.items())))
    assert sent >= len(operations) * 10 and any(code == 200 for code in statuses)
