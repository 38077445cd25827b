"""Random action sequences from random actors keep the loop's invariants (hypothesis)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.tickets.test_workflow import ACTORS, EXPECTED, Loop

ACTIONS = sorted(EXPECTED)
MAY_MOVE_DEADLINE = {"decide_extension", "reassign", "unpark"}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(ACTORS)), min_size=1, max_size=14))
def test_random_sequences_keep_the_invariants(client, county, steps):
    loop = Loop(client)
    ticket_id = loop.ticket_in("dispatched")
    ticket = client.get(f"/api/v1/tickets/{ticket_id}", headers=loop.headers["admin"]).json()
    for action, actor in steps:
        response = loop.act(ticket_id, action, actor, **loop.body_for(action, ticket_id))
        assert response.status_code in (200, 403, 404, 409, 422), response.text
        after = client.get(f"/api/v1/tickets/{ticket_id}", headers=loop.headers["admin"]).json()
        if after["deadline_at"] and ticket["deadline_at"] and after["deadline_at"] < ticket["deadline_at"]:
            assert response.status_code == 200 and action in MAY_MOVE_DEADLINE, (action, ticket, after)
        ticket = after

    events = [e for e in ticket["events"] if e["action"] != "photo_received"]
    for previous, event in zip(events, events[1:], strict=False):
        assert event["from_status"] == previous["to_status"]  # the log replays to the state
    assert events[-1]["to_status"] == ticket["status"]
    assert all(e["actor"]["role"] != "bureau" for e in events if e["action"] == "verify")
    if ticket["status"] == "closed":
        last_rectify = max(i for i, e in enumerate(events) if e["action"] == "rectify")
        assert any(e["action"] == "verify" and e["payload"]["result"] == "pass" for e in events[last_rectify:])
