"""The services' OpenAPI documents, as generated clients and API testers read them (plumbing).

- Every schema lives under ``components/schemas`` and every ``$ref`` points there, so the
  document resolves from its root.
- Every answer a route gives is listed, with the error shape of SPEC section 5.
- FastAPI lists 422 for bad query parameters; the services answer 400 there (one error
  shape), so the document says 400.
- Bearer authentication is declared for the routes that need a key.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string", "description": "a code, e.g. unknown_unit, bad_period"},
        "detail": {"description": "what is wrong and what to change: a message, or a list per event"},
    },
}
BEARER = {"bearer": {"type": "http", "scheme": "bearer", "description": "the source system's API key"}}


def errors(**by_status: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route: ``errors(e404="unknown unit", e503="store unavailable")``."""
    return {
        int(status.removeprefix("e")): {
            "description": description,
            "content": {"application/json": {"schema": ERROR_REF}},
        }
        for status, description in by_status.items()
    }


def install_openapi(
    app: FastAPI,
    schemas: dict[str, Any] | None = None,
    secured: tuple[str, ...] = (),
) -> None:
    """Replace ``app.openapi`` by the document described above (computed once)."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            components = doc.setdefault("components", {})
            components.setdefault("schemas", {}).update({"Error": ERROR_SCHEMA, **(schemas or {})})
            if secured:
                components["securitySchemes"] = BEARER
            for path, operations in doc.get("paths", {}).items():
                for operation in operations.values():
                    _bad_query_is_400(operation)
                    if path in secured:
                        operation["security"] = [{"bearer": []}]
            _drop_unused_validation_schemas(doc)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def _bad_query_is_400(operation: dict[str, Any]) -> None:
    responses = operation.get("responses", {})
    auto = responses.get("422")
    if auto and "HTTPValidationError" in str(auto):
        del responses["422"]
        responses.setdefault(
            "400",
            {
                "description": "a query parameter is missing or malformed",
                "content": {"application/json": {"schema": ERROR_REF}},
            },
        )


def _drop_unused_validation_schemas(doc: dict[str, Any]) -> None:
    schemas = doc.get("components", {}).get("schemas", {})
    if "HTTPValidationError" not in str(doc.get("paths", {})):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
