"""The OpenAPI document validates as OpenAPI 3, and the browsable docs come from the
project's own static files (no CDN: the network may be closed)."""

from __future__ import annotations

import pytest
from django.test import Client
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_the_openapi_document_validates_as_openapi_3(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/logs", "/api/v1/logs/{log}/measures", "/api/v1/logs/{log}/access-log"} <= set(
        document["paths"]
    )
    schemes = document["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} == {"http", "apiKey"}


def test_every_input_refuses_unknown_fields_in_the_document(client: Client) -> None:
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    inputs = [name for name in schemas if name.endswith(("In", "Patch"))]
    assert len(inputs) == 6
    for name in inputs:
        assert schemas[name]["additionalProperties"] is False, name


def test_every_operation_documents_the_error_format(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            for status in ("400", "401", "403", "404", "413", "415", "422", "429"):
                assert status in operation["responses"], (method, path, status)
            if method != "get":
                assert "409" in operation["responses"], (method, path)


def test_the_docs_use_the_projects_own_static_files(client: Client) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert "https://" not in page
    script = client.get("/static/ninja/swagger-ui-bundle.js")
    assert script.status_code == 200
