"""The OpenAPI document describes the API as served (issue 20, item 12): declared bodies and answers, one route
per action with its own body, failures in the error shape. tests/test_schemathesis.py checks the
answers themselves against it."""

import uuid

from api.tickets.workflow import TRANSITIONS

def _json_schema(response):
    return response.get("content", {}).get("application/json", {}).get("schema")


def test_every_endpoint_declares_what_it_answers(app):
    document = app.openapi()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            answers = {code: response for code, response in operation["responses"].items() if code.startswith("2")}
            assert answers, (method, path)
            for code, response in answers.items():
                if code == "204":  # No Content
                    continue
                schemas = [content.get("schema") for content in response.get("content", {}).values()]
                assert schemas and all(schemas), (method, path, code)


def test_each_action_has_its_own_route_and_body(app):
    document = app.openapi()
    for action, transition in TRANSITIONS.items():
        operation = document["paths"][f"/api/v1/tickets/{{ticket_id}}/actions/{action}"]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": f"#/components/schemas/{transition.body.__name__}"}, action
        assert _json_schema(operation["responses"]["200"]) == {"$ref": "#/components/schemas/ActionOutcome"}
        assert {"403", "404", "409", "422"} <= operation["responses"].keys(), action


def test_failures_are_documented_in_the_error_shape(app):
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            failure = operation["responses"]["422"]
            assert _json_schema(failure) == {"$ref": "#/components/schemas/ErrorResponse"}, (method, path)


def test_an_unknown_action_is_not_found(client, inspector):
    response = client.post(f"/api/v1/tickets/{uuid.uuid4()}/actions/approve", headers=inspector,
                           json={"action_id": str(uuid.uuid4())})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_action_refuses_another_actions_body(client, inspector):
    """`accept` takes only its action_id: a field of another action's body is refused, before any lookup."""
    response = client.post(f"/api/v1/tickets/{uuid.uuid4()}/actions/accept", headers=inspector,
                           json={"action_id": str(uuid.uuid4()), "reason": "不是本单位"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
