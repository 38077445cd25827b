"""Schemathesis against a live server on the engine under test, as an admin and as an inspector of the demo county:
no answer is a 5xx, and every answer is one the OpenAPI document declares (its status code, its content type, its
body's schema). Bounded: a fixed seed and a few generated requests per operation, caller and mode (valid and invalid
input), then a capture with its photo made by hand, which generated requests seldom get right.

Each operation runs as its own Hypothesis test over `operation.as_strategy()`: schemathesis's pytest integration
(`schemathesis.pytest.from_fixture`) does not run under pytest 9.2 (it sets `Node._nodeid`, which pytest no longer has).
"""

import time
import uuid

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable

from tests.factories import capture_body, photo_bytes
from tests.live import LiveServer

SEED = 20
EXAMPLES = 2  # per operation, caller and mode: about 700 requests in all
CALLERS = ("admin", "insp05")
BYSTANDER = "insp01"  # a demo user the admin's generated calls may change: never one of the callers
CHECKS = {"enabled": False, "not_a_server_error": {"enabled": True}, "status_code_conformance": {"enabled": True},
          "content_type_conformance": {"enabled": True}, "response_schema_conformance": {"enabled": True}}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("schemathesis"), "schemathesis")
    server.cli("demo", "--history", "20")  # tickets with photos to read and act on
    server.start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def callers(server):
    """Each caller's token and what it can reach, gathered before any generated request changes the county: ids of
    real tickets and photos, so that generated requests find some rather than only 404s; and the bystander's user
    id and tokens, the only ones generated requests may change or revoke."""
    data = photo_bytes()
    capture, ticket_id = capture_body([data], lat=28.9078, lon=120.0270), uuid.uuid4()
    with (httpx.Client(base_url=server.url, headers=server.token("admin"), timeout=30) as admin,
          httpx.Client(base_url=server.url, headers=server.token("insp05"), timeout=30) as inspector):
        bystander = next(u for u in admin.get("/api/v1/users").json() if u["username"] == BYSTANDER)
        for _ in range(3):
            server.token(BYSTANDER)
        tokens = [t["id"] for t in admin.get("/api/v1/auth/tokens", params={"user_id": bystander["id"]}).json()]
        categories = [c["code"] for c in admin.get("/api/v1/categories").json()]
        # A ticket of the inspector's own, in their cell: the demo's history may have none that they can see.
        assert inspector.put(f"/api/v1/tickets/{ticket_id}", json=capture).status_code == 201
        assert inspector.put(f"/api/v1/tickets/{ticket_id}/photos/{capture['photos'][0]['id']}", content=data,
                             headers={"Content-Type": "image/jpeg"}).status_code == 201
    found = {}
    for caller in CALLERS:
        headers = server.token(caller)
        tickets = httpx.get(f"{server.url}/api/v1/tickets", params={"limit": 20}, headers=headers).json()["items"]
        found[caller] = headers, {"tickets": [t["id"] for t in tickets],
                                  "photos": [p["id"] for t in tickets for p in t["photos"]],
                                  "users": [bystander["id"]], "tokens": tokens, "categories": categories}
    return found


def _schema(server: LiveServer, headers: dict[str, str], known: dict[str, list]):
    config = schemathesis.Config.from_dict({
        "base-url": server.url,
        "headers": headers,
        "checks": CHECKS,
        "dictionaries": {name: {"values": values} for name, values in known.items() if values},
        "parameters": {
            "path.ticket_id": {"dictionary": "tickets", "probability": 0.5},
            "path.photo_id": {"dictionary": "photos", "probability": 0.5},
            "body.category": {"dictionary": "categories", "probability": 0.8},
            # Always the bystander's: a made-up id could be the caller's own, and a call that changes that account
            # or revokes its token would turn the rest of the run into 401s.
            "path.user_id": {"dictionary": "users", "probability": 1.0},
            "path.token_id": {"dictionary": "tokens", "probability": 1.0},
        },
    })
    loaded = schemathesis.openapi.from_url(f"{server.url}/openapi.json", config=config)
    # Logging out revokes the very token the run uses.
    return loaded.exclude(method="POST", path="/api/v1/auth/logout")


def _fuzz(operation, mode: schemathesis.GenerationMode) -> None:
    @seed(SEED)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        case.call_and_validate()

    try:
        run()
    except Unsatisfiable:
        if mode is not schemathesis.GenerationMode.NEGATIVE:
            raise
        # Nothing to make invalid: no input, or only input that any value fits (a free-form string).


@pytest.mark.parametrize("caller", CALLERS)
def test_every_answer_is_declared(server, callers, caller):
    started = time.monotonic()
    schema = _schema(server, *callers[caller])
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode)
            except* Exception as group:  # every operation's failures (schemathesis raises them in groups)
                failures.append(f"{operation.label} ({mode.value}):\n{group}")
    assert not failures, "\n\n".join(failures)
    assert time.monotonic() - started < 120, "the run should stay within two minutes"
    # Still logged in: a run that had revoked its own token would have checked little but 401s.
    assert httpx.get(f"{server.url}/api/v1/me", headers=callers[caller][0]).status_code == 200


def test_a_capture_and_its_photo_answer_as_declared(server, callers):
    """The capture path answers with pre-encoded bodies that FastAPI does not validate: check them here, with a
    capture and an upload that succeed (201), their replays (200) and the photo's copies."""
    headers, known = callers["insp05"]
    schema = _schema(server, headers, known)
    data = photo_bytes()
    body = capture_body([data], lat=28.9078, lon=120.0270)
    ticket_id, photo_id = str(uuid.uuid4()), body["photos"][0]["id"]
    capture = schema["/api/v1/tickets/{ticket_id}"]["PUT"]
    upload = schema["/api/v1/tickets/{ticket_id}/photos/{photo_id}"]["PUT"]
    copies = schema["/api/v1/photos/{photo_id}/{variant}"]["GET"]
    cases = [*[capture.Case(path_parameters={"ticket_id": ticket_id}, body=body, headers=headers)] * 2,
             *[upload.Case(path_parameters={"ticket_id": ticket_id, "photo_id": photo_id}, body=data,
                           media_type="image/jpeg", headers=headers)] * 2,
             *[copies.Case(path_parameters={"photo_id": photo_id, "variant": variant}, headers=headers)
               for variant in ("thumb", "display", "original")]]
    assert [case.call_and_validate().status_code for case in cases] == [201, 200, 201, 200, 200, 200, 200]
