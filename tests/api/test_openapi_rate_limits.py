"""`/openapi.json` documents 429 exactly on the operations that answer 429, checked live.

Each test builds an app of its own with tiny limits on the suite's database, reads its document,
then calls every API operation twice from an address of its own (the budgets are shared between
endpoints, so one address per operation keeps them apart) and compares the operations whose
second call was refused with those whose document lists 429. Nothing is hand-listed: a new
limited endpoint without its documentation, or documentation without a limit, fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from flask import Flask
from flask_smorest.spec.plugins import FlaskPlugin
from werkzeug.routing import IntegerConverter, Rule

from tests.api.helpers import PROBLEM, assert_problem
from tests.conftest import Clock
from tests.support.apps import another_app

Operation = tuple[str, str]  # (OpenAPI path, lower-case method)
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
JSON_TYPES: dict[str, type] = {"string": str, "integer": int, "object": dict, "array": list}


def limited_app(app: Flask, clock: Clock, **settings: Any) -> AbstractContextManager[Flask]:
    """Another app on the suite's database with 1/minute limits (unless `settings` say else)."""
    limits = {"BOOKING_RATE_LIMIT": "1/minute", "BOOKING_SEARCH_RATE_LIMIT": "1/minute"}
    return another_app(app, clock, **{**limits, **settings})


def published_document(app: Flask) -> dict[str, Any]:
    """The app's OpenAPI document as served (read right after the app is made)."""
    response = app.test_client().get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.get_json()
    return document


def documented_operations(document: dict[str, Any]) -> set[Operation]:
    """Every operation of the document."""
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "responses" in operation
    }


def documenting_429(document: dict[str, Any]) -> set[Operation]:
    """The operations whose responses include 429."""
    return {
        (path, method)
        for path, method in documented_operations(document)
        if "429" in document["paths"][path][method]["responses"]
    }


def _api_operations(app: Flask) -> Iterator[tuple[Rule, str]]:
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                yield rule, method


def _url(rule: Rule) -> str:
    values = {
        name: 1 if isinstance(converter, IntegerConverter) else "ZZZZ-9999"
        for name, converter in rule._converters.items()
    }
    built = rule.build(values, append_unknown=False)
    assert built is not None
    return built[1]


def refused_on_second_call(app: Flask) -> set[Operation]:
    """Call every API operation twice, anonymously, each from its own address; the 429s."""
    client = app.test_client()
    refused: set[Operation] = set()
    for number, (rule, method) in enumerate(_api_operations(app), start=1):
        environ = {"REMOTE_ADDR": f"10.77.{number // 256}.{number % 256}"}
        body = {"json": {}} if method in BODY_METHODS else {}
        statuses = [
            client.open(_url(rule), method=method, environ_base=environ, **body).status_code
            for _ in range(2)
        ]
        assert statuses[0] != 429, (rule.rule, method)
        if statuses[1] == 429:
            refused.add((FlaskPlugin.flaskpath2openapi(rule.rule), method.lower()))
    return refused


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        node = document["components"][kind][name]
    return node


LIMITS = {
    "both budgets": (
        {},
        {("/api/v1/slots", "get"), ("/api/v1/bookings", "post")},
    ),
    "writes only": (
        {"BOOKING_SEARCH_RATE_LIMIT": "off"},
        {("/api/v1/bookings", "post")},
    ),
    "off": ({"BOOKING_RATE_LIMIT": "off"}, set()),
}


@pytest.mark.parametrize("settings", LIMITS.values(), ids=list(LIMITS))
def test_the_document_lists_429_exactly_where_the_live_app_answers_429(
    app: Flask, clock: Clock, settings: tuple[dict[str, str], set[Operation]]
) -> None:
    config, expected_at_least = settings
    with limited_app(app, clock, **config) as limited:
        document = published_document(limited)
        refused = refused_on_second_call(limited)
    # Every operation of the document was called (and nothing else is under /api/).
    called = {
        (FlaskPlugin.flaskpath2openapi(rule.rule), method.lower())
        for rule, method in _api_operations(limited)
    }
    assert called == documented_operations(document)
    # Both directions: limited ⇒ documented, documented ⇒ limited.
    assert refused == documenting_429(document)
    assert expected_at_least <= refused
    if not expected_at_least:
        assert refused == set()
    if config.get("BOOKING_SEARCH_RATE_LIMIT") == "off":
        assert ("/api/v1/slots", "get") not in refused


def test_the_documented_429_matches_the_response_sent(app: Flask, clock: Clock) -> None:
    with limited_app(app, clock) as limited:
        document = published_document(limited)
        client = limited.test_client()
        assert client.post("/api/v1/bookings", json={}).status_code == 422
        response = client.post("/api/v1/bookings", json={})
    body = assert_problem(response, 429)
    documented = _resolve(
        document, document["paths"]["/api/v1/bookings"]["post"]["responses"]["429"]
    )
    # The media type and schema the document promises: the app's problem document.
    assert set(documented["content"]) == {PROBLEM}
    schema = _resolve(document, documented["content"][PROBLEM]["schema"])
    assert set(schema["required"]) <= set(body)
    for name, value in body.items():
        expected = schema["properties"][name]["type"]
        assert isinstance(value, JSON_TYPES[expected]), (name, value)
    # The Retry-After header it promises, with a usable number of seconds.
    header = _resolve(document, documented["headers"]["Retry-After"])
    assert header["schema"] == {"type": "integer", "minimum": 1}
    assert int(response.headers["Retry-After"]) >= 1
