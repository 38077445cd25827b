"""Every Open311 endpoint in both formats against the standard (GeoReport v2): the XML parsed and its element
names and order checked, the JSON validated against the published models; the errors too."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import BaseModel, TypeAdapter

from api.open311.models import Open311Errors, RequestCreated, Service, ServiceDefinition, ServiceRequest, TokenAnswer
from tests.factories import photo_bytes
from tests.open311.helpers import BASE, Open311County, children, xml_of

# The standard's elements, in its order (http://wiki.open311.org/GeoReport_v2).
SERVICE = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
REQUEST = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
           "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
           "address", "address_id", "zipcode", "lat", "long", "media_url"]
CREATED = ["service_request_id", "token", "service_notice", "account_id"]


def in_standard_order(tags: list[str], standard: list[str]) -> bool:
    return [t for t in standard if t in tags] == tags and set(tags) <= set(standard)


def json_valid(body, model: type[BaseModel], many: bool = True) -> None:
    """Valid against the published model (strictly: no coercion), with every field it declares and no other,
    in its order."""
    items = body if many else [body]
    assert isinstance(items, list)
    for item in items:
        model.model_validate_json(json.dumps(item), strict=True)
        assert list(item) == list(model.model_fields), item


@pytest.fixture
def county(db, client):
    return Open311County(db, client)


def test_services_in_both_formats(client, county):
    body = client.get(f"{BASE}/services.json").json()
    json_valid(body, Service)
    assert body == [{"service_code": "0506", "service_name": "乱停车", "description": "Bad parking",
                     "metadata": False, "type": "realtime", "keywords": "", "group": "街面秩序"}]
    root = xml_of(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and children(root) == ["service"]
    service = root[0]
    assert children(service) == SERVICE
    assert (service.findtext("service_code"), service.findtext("service_name"), service.findtext("metadata")) == (
        "0506", "乱停车", "false")


def test_service_definition_in_both_formats(client, county):
    body = client.get(f"{BASE}/services/0506.json").json()
    json_valid(body, ServiceDefinition, many=False)
    assert body == {"service_code": "0506", "attributes": []}
    root = xml_of(client.get(f"{BASE}/services/0506.xml"))
    assert root.tag == "service_definition" and children(root) == ["service_code", "attributes"]
    # A category off the public list is no service.
    for fmt in ("json", "xml"):
        assert client.get(f"{BASE}/services/0102.{fmt}").status_code == 404


def test_post_and_read_back_in_both_formats(client, county):
    response = county.post("xml")
    assert response.status_code == 200
    root = xml_of(response)
    assert root.tag == "service_requests" and children(root) == ["request"]
    assert children(root[0]) == CREATED
    code, token = root[0].findtext("service_request_id"), root[0].findtext("token")
    posted = county.post("json", description="另一处")
    json_valid(posted.json(), RequestCreated)

    listed = client.get(f"{BASE}/requests.json").json()
    json_valid(listed, ServiceRequest)
    assert [r["service_request_id"] for r in listed] == [posted.json()[0]["service_request_id"], code]
    one = client.get(f"{BASE}/requests/{code}.json").json()
    json_valid(one, ServiceRequest)
    assert one[0]["status"] == "open" and one[0]["status_notes"] == "已收到，等待审核"
    assert one[0]["service_name"] == "乱停车" and one[0]["media_url"] is None
    assert one[0]["requested_datetime"].endswith("Z")

    root = xml_of(client.get(f"{BASE}/requests/{code}.xml"))
    assert root.tag == "service_requests" and children(root) == ["request"]
    request = root[0]
    assert in_standard_order(children(request), REQUEST)
    assert request.findtext("service_request_id") == code
    assert request.findtext("requested_datetime").endswith("+00:00")  # W3C, with its zone
    assert children(xml_of(client.get(f"{BASE}/requests.xml"))) == ["request", "request"]

    tokens = client.get(f"{BASE}/tokens/{token}.json").json()
    json_valid(tokens, TokenAnswer)
    assert tokens == [{"service_request_id": code, "token": token}]
    root = xml_of(client.get(f"{BASE}/tokens/{token}.xml"))
    assert children(root[0]) == ["service_request_id", "token"] and root[0].findtext("token") == token


def test_the_photo_goes_with_the_key_that_posted(client, county):
    created = county.post().json()[0]
    path = f"{BASE}/requests/{created['service_request_id']}/media.xml"
    data = photo_bytes()
    other = county.issue_key("城市大脑")["api_key"]
    refused = client.put(path, params={"api_key": other}, content=data, headers={"Content-Type": "image/jpeg"})
    assert refused.status_code == 403 and xml_of(refused).findtext("error/code") == "403"
    first = client.put(path, params={"api_key": county.key}, content=data, headers={"Content-Type": "image/jpeg"})
    assert first.status_code == 201
    assert children(xml_of(first)[0]) == ["service_request_id", "token"]
    again = client.put(path, params={"api_key": county.key}, content=data, headers={"Content-Type": "image/jpeg"})
    assert again.status_code == 200
    another = client.put(path, params={"api_key": county.key}, content=photo_bytes("Canon_40D.jpg"),
                         headers={"Content-Type": "image/jpeg"})
    assert another.status_code == 400 and "photo_conflict" in xml_of(another).findtext("error/description")
    not_a_photo = client.put(f"{BASE}/requests/{created['service_request_id']}/media.json",
                             params={"api_key": county.key}, content=b"<script>", headers={"Content-Type": "text/html"})
    assert not_a_photo.status_code == 400


def test_filters(client, county):
    first = county.post().json()[0]["service_request_id"]
    second = county.post(description="第二处").json()[0]["service_request_id"]
    by_ids = client.get(f"{BASE}/requests.json", params={"service_request_id": f"{first},{second.lower()}"}).json()
    assert {r["service_request_id"] for r in by_ids} == {first, second}
    assert client.get(f"{BASE}/requests.json", params={"service_code": "0102"}).json() == []
    assert len(client.get(f"{BASE}/requests.json", params={"service_code": "0102,0506"}).json()) == 2
    assert len(client.get(f"{BASE}/requests.json", params={"status": "open"}).json()) == 2
    assert client.get(f"{BASE}/requests.json", params={"status": "closed"}).json() == []
    assert client.get(f"{BASE}/requests.json", params={"start_date": "2020-01-01T00:00:00Z",
                                                       "end_date": "2020-02-01T00:00:00+08:00"}).json() == []
    # One end only: the 90 days from it.
    since = lambda days: (datetime.now(UTC) - timedelta(days=days)).isoformat()  # noqa: E731
    assert len(client.get(f"{BASE}/requests.json", params={"start_date": since(10)}).json()) == 2
    assert client.get(f"{BASE}/requests.json", params={"start_date": since(200)}).json() == []
    assert len(client.get(f"{BASE}/requests.json", params={"end_date": since(-1)}).json()) == 2
    assert client.get(f"{BASE}/requests.json", params={"end_date": since(1)}).json() == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_in_the_standards_shape(client, county, fmt):
    def error_of(response, status):
        assert response.status_code == status, response.text
        if fmt == "json":
            body = response.json()
            TypeAdapter(Open311Errors).validate_python(body, strict=True)
            assert len(body) == 1 and body[0]["code"] == status
            return body[0]["description"]
        root = xml_of(response)
        assert root.tag == "errors" and children(root) == ["error"] and children(root[0]) == ["code", "description"]
        assert root.findtext("error/code") == str(status)
        return root.findtext("error/description")

    assert "location_required" in error_of(county.post(fmt, lat=None, long=None, address_string="解放路 1 号"), 400)
    assert "validation_error" in error_of(county.post(fmt, service_code=None), 400)
    assert "validation_error" in error_of(county.post(fmt, lat="north"), 400)
    assert "unknown_category" in error_of(county.post(fmt, service_code="0102"), 400)
    assert "invalid_api_key" in error_of(county.post(fmt, key="o311_made-up"), 403)
    assert "unknown_status" in error_of(client.get(f"{BASE}/requests.{fmt}", params={"status": "pending"}), 400)
    assert "bad_date_range" in error_of(client.get(f"{BASE}/requests.{fmt}", params={
        "start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}), 400)
    assert "bad_date" in error_of(client.get(f"{BASE}/requests.{fmt}", params={
        "start_date": "0001-01-01T00:00:00+05:00"}), 400)  # before the calendar's first day in UTC
    assert "not_found" in error_of(client.get(f"{BASE}/requests/ZZZZZZZZZZ.{fmt}"), 404)
    assert "not_found" in error_of(client.get(f"{BASE}/services/9999.{fmt}"), 404)
    assert "not_found" in error_of(client.get(f"{BASE}/tokens/not-a-token.{fmt}"), 404)


def test_an_unknown_format_is_not_found(client, county):
    for path in ("/services.csv", "/services/0506.html", "/requests.yaml", "/requests/ABC.txt", "/tokens/x.pdf"):
        response = client.get(BASE + path)
        assert response.status_code == 404
        assert xml_of(response).findtext("error/code") == "404"
    assert county.post("csv").status_code == 404


def test_a_pages_report_id_is_no_token(client, county):
    report_id, receipt = county.report()
    assert client.get(f"{BASE}/tokens/{report_id}.json").status_code == 404
    # Its tracking code is its id here: a page's report is listed as Open311's are.
    code = receipt["tracking_code"]
    assert client.get(f"{BASE}/requests/{code}.json").json()[0]["service_request_id"] == code
