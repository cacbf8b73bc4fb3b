"""The API against its own OpenAPI schema, with schemathesis.

Every operation of /api/v1/schema/ is called in-process (the WSGI application) with generated
valid and invalid input, authenticated by a personal token, on a quarter of commune A whose
consolidated report is issued. Every response must be a documented status code with the
documented content type and body, and no input may produce a 5xx.

Bounded and repeatable: a fixed seed, derandomised generation, a few examples per operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import settings

from config.wsgi import application
from portal.scoping import scopes_disabled
from tests.api.conftest import api_client, token_for
from tests.quarter import Quarter, issue

pytestmark = [pytest.mark.django_db]

SEED = 20260401
MAX_EXAMPLES = 8


@pytest.fixture(params=["reviewer_p", "admin_a"])
def api_schema(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The live schema, for a reviewer of province P and for commune A's admin. The data is
    built outside any scope; the requests run in the scope the API enters, as in production.

    The reviewer's run includes the coverage phase (every parameter's boundaries and wrong
    types, duplicated parameters, undeclared methods: some 1,500 requests); the admin's run,
    generated examples only, which keeps the whole test well under two minutes."""
    request.getfixturevalue("media")  # before the report is issued: its PDF goes there
    with scopes_disabled():
        quarter: Quarter = request.getfixturevalue("quarter")
        report = issue(quarter)
        secret = token_for(getattr(quarter.world, request.param))
    config = schemathesis.Config.from_dict({
        "seed": SEED,
        "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
        # Django forms refuse a NUL character in text (PostgreSQL cannot store one) with a 400;
        # a string schema has no way to say so.
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none",
                       "allow-x00": False},
        "auth": {"openapi": {"personalToken": {"bearer": secret}}},
        "phases": {"coverage": {"enabled": request.param == "reviewer_p"}},
        # The real objects of the quarter, so that detail operations answer 200 with a body to
        # check; indicator_pk stays generated, for the 404 of an unknown object (and of a path
        # that matches no route, such as /indicators/abc/).
        "parameters": {
            "commune_report_pk": report.pk, "report_pk": quarter.world.report_a.pk,
            "plan_pk": quarter.world.plan_a.pk, "period_pk": quarter.period.pk,
            "unit_pk": quarter.world.unit_a.pk, "commune_code": quarter.world.commune_a.code,
            "province_code": quarter.world.province_p.code,
        },
    })
    # Django's test client keeps the test's database connection across requests by muting
    # close_old_connections; schemathesis calls the WSGI application directly, so the same is
    # done here (on PostgreSQL the test's transaction would otherwise be closed after a request).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", application, config=config)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


if not hasattr(pytest.Function, "_nodeid"):
    # schemathesis 4.32 renames the test node after each operation through Node._nodeid,
    # which pytest 9.2 keeps as Node._id: the same attribute under its new name.
    pytest.Function._nodeid = property(  # type: ignore[attr-defined]  # the name pytest dropped, put back
        lambda node: node._id, lambda node, value: setattr(node, "_id", value))

schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(deadline=None)  # the first PDF render takes a second or two
def test_the_api_conforms_to_its_schema(case: Any) -> None:
    case.call_and_validate()


@pytest.mark.parametrize("user", ["admin_a", "viewer_a", "reporter_a", "reviewer_q"])
def test_an_undeclared_method_is_405_whatever_the_role(user: str, world: Any) -> None:
    """Schemathesis's coverage phase (the reviewer's run) found a 404 here for a commune user:
    the role was checked before the method."""
    client = api_client(getattr(world, user))
    response = client.put(f"/api/v1/provinces/{world.province_p.code}/", {}, format="json")
    assert response.status_code == 405 and "PUT" not in response["Allow"]
    assert client.delete("/api/v1/commune-reports/1/acknowledge/").status_code == 405
