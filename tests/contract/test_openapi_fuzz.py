"""Schemathesis against /openapi.json, in-process: no 5xx, no response that contradicts it.

Every operation of the published document is called with generated input (valid and invalid),
as an admin, on the standard test world. Bounded: a fixed number of examples per operation,
derandomized (the same inputs every run, on SQLite and PostgreSQL alike), no example database.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from booking import create_app

# Examples per operation: with ~40 operations this keeps the run near a minute on either DB.
MAX_EXAMPLES = 25


def _published_document() -> dict[str, Any]:
    # The document is made from the code alone (no database): an app of its own builds it at
    # collection, when schemathesis needs it; the calls then go to the suite's app.
    spec_app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": "contract",
            "BOOKING_RATE_LIMIT": "off",
        }
    )
    document: dict[str, Any] = spec_app.test_client().get("/openapi.json").get_json()
    return document


schema = schemathesis.openapi.from_dict(_published_document())


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_published_contract(case: Any, app: Flask, world: Any) -> None:
    case.call_and_validate(
        app=app, headers=world.admin, checks=[not_a_server_error, response_schema_conformance]
    )


def test_an_id_beyond_any_row_is_unknown_not_a_server_error(app: Flask, world: Any) -> None:
    # Found by the run above: SQLite cannot even compare such a number with an integer column.
    huge = "16440719103425415584775204397637435392"
    response = app.test_client().post(f"/api/v1/notifications/{huge}/retry", headers=world.admin)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
