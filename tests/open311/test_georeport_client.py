"""An outside client: the `georeport` package (PyPI) reads services and requests from a live server, in both
formats, as it would any city's Open311 endpoint."""

import httpx
import pytest
from georeport import GeoReport

from tests.live import LiveServer


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("open311"), "open311")
    server.cli("demo")
    server.start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def posted(server):
    """The demo county's public list, a key for the hotline platform, and one request posted with it."""
    with httpx.Client(base_url=server.url, headers=server.token("admin"), timeout=30) as admin:
        assert admin.put("/api/v1/public-categories", json={"categories": [
            {"category_code": "0506", "public_name": "乱停车", "public_name_en": "Bad parking"},
            {"category_code": "0102", "public_name": "垃圾", "public_name_en": "Litter"}]}).status_code == 200
        key = admin.post("/api/v1/open311/keys", json={"system": "12345 热线平台"}).json()["api_key"]
    response = httpx.post(f"{server.url}/open311/v2/requests.json", data={
        "api_key": key, "service_code": "0102", "lat": "28.9078", "long": "120.0270", "description": "垃圾桶满溢"})
    assert response.status_code == 200, response.text
    return response.json()[0]["service_request_id"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_services_and_requests(server, posted, fmt):
    client = GeoReport(f"{server.url}/open311/v2", output_format=fmt)
    services = client.get_service_list()
    assert [(s["service_code"], s["service_name"]) for s in services] == [("0506", "乱停车"), ("0102", "垃圾")]
    definition = client.get_service_definition("0506")
    assert definition["service_code"] == "0506"
    requests = client.get_service_requests()
    if isinstance(requests, dict):  # xmltodict makes a lone element a dict, not a list of one
        requests = [requests]
    assert [(r["service_request_id"], r["status"], r["service_code"]) for r in requests] == [
        (posted, "open", "0102")]
    one = client.get_service_request(posted)
    assert (one["service_request_id"], one["status_notes"], one["service_name"]) == (posted, "已收到，等待审核", "垃圾")
