"""Extensions, created unbound; `create_app` binds them with `init_app`."""

import http

from flask_migrate import Migrate
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from flask_sqlalchemy import SQLAlchemy
from marshmallow import INCLUDE, Schema, fields

from booking.db import Base
from booking.errors import PROBLEM_MIMETYPE


class ProblemSchema(Schema):
    """An RFC 9457 problem document, as every error of the API is answered."""

    class Meta:
        # Some problems add members (RFC 9457 allows extensions).
        unknown = INCLUDE
        ordered = True

    type = fields.String(
        required=True, metadata={"description": "`/problems/<slug>` or `about:blank`"}
    )
    title = fields.String(required=True)
    status = fields.Integer(required=True, metadata={"description": "The HTTP status code"})
    detail = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Messages per field path (`applicant.email`, `start`, …)"},
    )
    request_id = fields.String(metadata={"description": "The request's X-Request-Id"})


class ProblemApi(Api):
    """flask-smorest's Api, documenting errors as the problem documents the app sends."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        # flask-smorest documents its error responses as `application/json` with its own
        # schema; the app answers every error with `application/problem+json` (booking/errors.py),
        # so the shared responses say so. Same components, same names, as the base class makes.
        for status in http.HTTPStatus:
            response: dict[str, object] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = ProblemApi()
