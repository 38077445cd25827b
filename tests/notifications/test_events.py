"""Notifications hear of ticket events through the ticket domain's registry (api/tickets/events.py),
subscribed at start-up: once, however many applications a process makes."""

from api.main import create_app
from tests.factories import photo_bytes, submit
from tests.tickets.test_workflow import LAT, LON, Loop


def test_a_second_application_does_not_double_the_notifications(client, settings, engine, county):
    create_app(settings, engine)  # subscribes again
    loop = Loop(client)
    ticket_id, _ = submit(client, loop.headers["insp05"], [photo_bytes("Canon_40D.jpg")], lat=LAT, lon=LON)
    inbox = client.get("/api/v1/notifications", headers=loop.headers["zhzf1"]).json()
    assert [(n["kind"], n["ticket_id"]) for n in inbox] == [("dispatched", ticket_id)]
