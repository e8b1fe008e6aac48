"""Fuzz the API from its own OpenAPI document (schemathesis): no input becomes a 500,
every response conforms to the document (status, content type, schema).

Bounded: :data:`EXAMPLES` generated cases per operation (18 operations → ≤ 90 per
backend, ≤ 180 in a run on both backends), no shrinking, no example database."""

from __future__ import annotations

import api_seed
import httpx
import pytest
import schemathesis
from api_seed import Sync, make_app
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance


@pytest.fixture(scope="module")
def seeded(stack) -> api_seed.Seeded:
    return api_seed.seed(stack)


EXAMPLES = 5
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]


def _fuzz(operation, client: Sync, cases: list[str]) -> None:
    """Up to :data:`EXAMPLES` generated requests to one operation, each checked."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        phases=[Phase.explicit, Phase.generate],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        cases.append(operation.label)
        # Our own httpx client: schemathesis' requests transport breaks on the
        # urllib3-future that another dependency (niquests) installs here.
        sent = case.as_transport_kwargs(base_url="http://api.test")
        raw = client.request(
            sent["method"], sent["url"], params=sent.get("params"), headers=sent.get("headers")
        )
        case.validate_response(Response.from_any(raw), checks=CHECKS)

    run()


def test_no_input_is_a_server_error(stack, seeded):
    app, store = make_app(stack)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    client = Sync(httpx.ASGITransport(app=app))
    cases: list[str] = []
    try:
        for result in schema.get_all_operations():
            _fuzz(result.ok(), client, cases)
    finally:
        client.close()
        store.close()
    print(f"fuzzed {len(cases)} cases over {len(set(cases))} operations")
    assert len(set(cases)) >= 15 and len(cases) <= 200
