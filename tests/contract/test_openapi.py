"""openapi.yaml is a valid OpenAPI document and names exactly the routes the app serves."""

from __future__ import annotations

import copy
import re

import pytest
from openapi_spec_validator import validate

from tests.openapi_contract import ContractError, OpenApiContract

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def served_operations(app) -> set[tuple[str, str]]:
    operations = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.endswith("static"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        operations |= {
            (path, method.lower()) for method in rule.methods or () if method.lower() in HTTP_METHODS
        }
    return operations


def documented_operations(spec) -> set[tuple[str, str]]:
    return {
        (path, method) for path, item in spec["paths"].items() for method in item if method in HTTP_METHODS
    }


def test_the_spec_is_valid_openapi(contract):
    validate(contract.spec)


def test_every_route_is_documented_and_every_documented_route_exists(app, contract):
    served = served_operations(app)
    documented = documented_operations(contract.spec)

    assert served - documented == set(), "routes missing from openapi.yaml"
    assert documented - served == set(), "openapi.yaml names routes the app does not serve"


def test_every_operation_has_an_id_a_summary_and_an_error_response(contract):
    for path, item in contract.spec["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue  # path-level `parameters`
            assert operation.get("operationId"), (method, path)
            assert operation.get("summary"), (method, path)
            statuses = set(operation["responses"])
            if path not in {"/openapi.yaml", "/openapi.json", "/docs"}:
                assert statuses & {"default", "503"}, f"{method} {path} documents no error response"


def test_the_served_spec_is_the_file(client, contract):
    served = client.get("/api/v1/openapi.json").get_json()

    assert served == contract.spec


def test_the_checker_rejects_a_response_that_breaks_the_schema(contract):
    # The contract check itself must be able to fail, or every API test's validation means nothing.
    body = b'{"id": "not-a-uuid", "email": "a@example.org"}'
    headers = {"Content-Type": "application/json"}

    with pytest.raises(ContractError, match="does not match"):
        contract.validate("GET", "/api/v1/users/me", 200, headers, body)
    # A status the operation does not list falls to `default`, which is a problem document only.
    with pytest.raises(ContractError, match="application/problem"):
        contract.validate("GET", "/api/v1/health", 418, headers, b"{}")
    without_default = copy.deepcopy(contract.spec)
    del without_default["paths"]["/health"]["get"]["responses"]["default"]
    with pytest.raises(ContractError, match="does not list"):
        OpenApiContract(without_default).validate("GET", "/api/v1/health", 418, headers, b"{}")
    with pytest.raises(ContractError, match=r"not in openapi\.yaml"):
        contract.validate("GET", "/api/v1/nowhere", 200, headers, b"{}")


def test_the_checker_accepts_a_problem_document(contract):
    body = (
        b'{"type": "about:blank", "title": "Unauthorized", "status": 401,'
        b' "detail": "x", "code": "token_missing"}'
    )
    headers = {"Content-Type": "application/problem+json", "WWW-Authenticate": "Bearer"}

    contract.validate("GET", "/api/v1/users/me", 401, headers, body)


def test_contract_loads_from_the_repository_file():
    # 3.0, not 3.1: Swagger UI 4 (bundled by flask-restx) and most client generators read 3.0.
    assert OpenApiContract.load().spec["openapi"].startswith("3.0")
