"""The bulletins API: asking for one, following its progress, reading its PDF and page, publishing, versions."""

import hashlib
import time
import uuid

import pytest
from sqlmodel import col, func, select

from api.bulletins.models import Bulletin
from api.tickets.models import Photo
from api.tickets.models import Ticket
from tests.bulletins.helpers import make_bulletin
from tests.bulletins.history import UNITS, build
from tests.bulletins.test_generation import pdf_text
from tests.factories import login

MONTH = {"kind": "monthly", "period": "2026-10"}


@pytest.fixture
def october(db, settings):
    return build(db, settings)


@pytest.fixture
def office(client, october):
    """The dispatcher's, the leader's and a liaison's headers."""
    return {name: login(client, name) for name in ("dispatcher", "leader", "zhzf1", "supervisor", "insp1")}


def finished(client, app, headers, bulletin_id) -> dict:
    """The bulletin once its generation has ended (the process's bulletin thread runs one at a time)."""
    app.state.bulletins.pool.submit(lambda: None).result(timeout=120)
    for _ in range(100):
        body = client.get(f"/api/v1/bulletins/{bulletin_id}", headers=headers).json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"still {body['status']}")


def generated(client, app, headers, **body) -> dict:
    response = client.post("/api/v1/bulletins", json={**MONTH, **body}, headers=headers)
    assert response.status_code == 202, response.text
    started = response.json()
    assert started["status"] in ("queued", "running", "done") and 0 <= started["progress"] <= 100
    done = finished(client, app, headers, started["id"])
    assert (done["status"], done["progress"]) == ("done", 100), done
    return done


def test_generate_read_and_publish(client, app, office, october):
    done = generated(client, app, office["dispatcher"])
    assert (done["kind"], done["period"], done["version"], done["published_at"], done["supersedes"]) == (
        "monthly", "2026-10", 1, None, None)
    assert done["title"] == "2026年10月 月度评比通报"
    pdf = client.get(done["pdf_url"], headers=office["leader"])
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == done["sha256"]
    text = pdf_text(pdf.content)
    ranking = client.get("/api/v1/rankings?period=2026-10", headers=office["leader"]).json()
    for unit in ranking["units"]:
        assert unit["name"] in text
        if unit["score"] is not None:
            assert f"{unit['score']:.1f}" in text
    assert set(UNITS.values()) <= {unit["name"] for unit in ranking["units"]}
    assert "第 1 页 / 共" in text

    page = client.get(done["html_url"], headers=office["supervisor"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "综合执法局" in page.text and "data:image/jpeg;base64," in page.text and "草稿" in page.text

    # A liaison sees nothing of a draft.
    assert client.get(f"/api/v1/bulletins/{done['id']}", headers=office["zhzf1"]).status_code == 404
    assert client.get("/api/v1/bulletins", headers=office["zhzf1"]).json()["items"] == []

    published = client.post(f"/api/v1/bulletins/{done['id']}/publish", headers=office["leader"])
    assert published.status_code == 200, published.text
    body = published.json()
    assert body["published_at"] is not None and body["sha256"] == done["sha256"]
    served = client.get(done["pdf_url"], headers=office["zhzf1"])
    assert hashlib.sha256(served.content).hexdigest() == body["sha256"]
    assert [item["id"] for item in client.get("/api/v1/bulletins", headers=office["zhzf1"]).json()["items"]] == [
        done["id"]]
    again = client.post(f"/api/v1/bulletins/{done['id']}/publish", headers=office["leader"]).json()
    assert again["published_at"] == body["published_at"]  # publishing twice changes nothing


def test_a_correction_is_the_next_version_and_says_which_it_replaces(client, app, office, october):
    first = generated(client, app, office["dispatcher"])
    client.post(f"/api/v1/bulletins/{first['id']}/publish", headers=office["dispatcher"])
    second = generated(client, app, office["dispatcher"])
    assert (second["version"], second["supersedes"], second["supersedes_version"]) == (2, first["id"], 1)
    published = client.post(f"/api/v1/bulletins/{second['id']}/publish", headers=office["dispatcher"]).json()
    assert published["version"] == 2
    text = pdf_text(client.get(second["pdf_url"], headers=office["dispatcher"]).content)
    assert "更正：本期通报替代 第 1 版" in text and "第 2 版" in text
    listed = client.get("/api/v1/bulletins?period=2026-10", headers=office["zhzf1"]).json()["items"]
    assert [(item["version"], item["id"]) for item in listed] == [(2, second["id"]), (1, first["id"])]


def test_a_draft_made_before_another_version_was_published_must_be_regenerated(client, app, office, october):
    late = generated(client, app, office["dispatcher"])
    early = generated(client, app, office["dispatcher"])
    assert late["version"] == early["version"] == 1
    client.post(f"/api/v1/bulletins/{early['id']}/publish", headers=office["dispatcher"])
    refused = client.post(f"/api/v1/bulletins/{late['id']}/publish", headers=office["dispatcher"])
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "bulletin_outdated"
    regenerated = client.post(f"/api/v1/bulletins/{late['id']}/regenerate", headers=office["dispatcher"])
    assert regenerated.status_code == 202
    done = finished(client, app, office["dispatcher"], late["id"])
    assert (done["status"], done["version"], done["supersedes"]) == ("done", 2, early["id"])
    assert client.post(f"/api/v1/bulletins/{late['id']}/publish", headers=office["dispatcher"]).status_code == 200


def test_a_published_bulletin_cannot_change(client, app, db, settings, office, october):
    row = make_bulletin(db, settings, october["users"]["dispatcher"], published=True)
    before = client.get(f"/api/v1/bulletins/{row.id}", headers=office["dispatcher"]).json()
    for method, path in (("POST", "/regenerate"), ("DELETE", "")):
        response = client.request(method, f"/api/v1/bulletins/{row.id}{path}", headers=office["dispatcher"])
        assert response.status_code == 409 and response.json()["error"]["code"] == "bulletin_published"
    assert client.get(f"/api/v1/bulletins/{row.id}", headers=office["dispatcher"]).json() == before


def test_drafts_can_be_deleted(client, db, settings, office, october):
    row = make_bulletin(db, settings, october["users"]["dispatcher"])
    assert client.delete(f"/api/v1/bulletins/{row.id}", headers=office["leader"]).status_code == 204
    assert client.get(f"/api/v1/bulletins/{row.id}", headers=office["leader"]).status_code == 404


def test_a_chosen_showcase_is_printed_in_its_order(client, app, office, october):
    chosen = [str(october["late_open"]), str(october["reworked"])]
    done = generated(client, app, office["dispatcher"], showcase_ticket_ids=chosen)
    assert done["showcase_ticket_ids"] == chosen
    text = pdf_text(client.get(done["pdf_url"], headers=office["dispatcher"]).content)
    assert "暂无整改后照片" in text and "返工 1 次" in text


@pytest.mark.parametrize("body, code", [
    ({"kind": "daily", "period": "2026-10"}, "validation_error"),
    ({"kind": "monthly", "period": "2026-W43"}, "bad_period"),
    ({"kind": "weekly", "period": "2026-10"}, "bad_period"),
    ({"kind": "quarterly", "period": "2026-Q5"}, "bad_period"),
    ({"kind": "monthly", "period": "October"}, "bad_period"),
    ({"kind": "monthly", "period": "2999-01"}, "period_not_started"),
    ({"kind": "monthly", "period": "2026-10", "extra": 1}, "validation_error"),
    ({"kind": "monthly", "period": "2026-10", "showcase_ticket_ids": ["not-a-uuid"]}, "validation_error"),
    ({"kind": "monthly", "period": "2026-10", "showcase_ticket_ids": [str(uuid.UUID(int=1))] * 2},
     "validation_error"),
    ({"kind": "monthly", "period": "2026-10", "showcase_ticket_ids": [str(uuid.UUID(int=1))]}, "unknown_tickets"),
])
def test_bad_input_is_refused_and_nothing_is_stored(client, db, office, body, code):
    response = client.post("/api/v1/bulletins", json=body, headers=office["dispatcher"])
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"] and error["message_en"]
    assert db.exec(select(func.count()).select_from(Bulletin)).one() == 0


def test_a_showcase_ticket_needs_a_photo_of_the_problem(client, db, office, october):
    ticket_id = db.exec(select(Ticket.id).where(col(Ticket.id).not_in(select(Photo.ticket_id)))).first()
    response = client.post("/api/v1/bulletins", json={**MONTH, "showcase_ticket_ids": [str(ticket_id)]},
                           headers=office["dispatcher"])
    assert response.status_code == 422 and response.json()["error"]["code"] == "ticket_without_photos"


def test_not_ready_and_unknown(client, db, settings, office, october):
    row = Bulletin(kind="monthly", period="2026-10", version=1, created_by=october["users"]["dispatcher"].id)
    db.add(row)
    db.commit()
    for suffix in (".pdf", ".html"):
        response = client.get(f"/api/v1/bulletins/{row.id}{suffix}", headers=office["dispatcher"])
        assert response.status_code == 409 and response.json()["error"]["code"] == "bulletin_not_ready"
    response = client.post(f"/api/v1/bulletins/{row.id}/publish", headers=office["dispatcher"])
    assert response.status_code == 409 and response.json()["error"]["code"] == "bulletin_not_ready"
    assert client.post(f"/api/v1/bulletins/{row.id}/regenerate",
                       headers=office["dispatcher"]).json()["error"]["code"] == "bulletin_busy"
    for path in (f"{uuid.uuid4()}", f"{uuid.uuid4()}.pdf", "nope", "nope.pdf"):
        response = client.get(f"/api/v1/bulletins/{path}", headers=office["dispatcher"])
        assert response.status_code in (404, 422) and response.json()["error"]["code"] in (
            "not_found", "validation_error")
    assert client.get("/api/v1/bulletins", headers=office["insp1"]).status_code == 403
