"""A patrol and its photo raced and replayed against a real server (two worker processes): stored once."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlmodel import Session, func, select

from api.accounts.models import User
from api.database import make_engine
from api.grid.models import CellInspector
from api.keypoints.models import KeyPoint
from api.patrols.models import Patrol, PatrolPhoto
from tests.factories import patrol_body
from tests.live import LiveServer
from tests.tickets.test_exactly_once import noise_jpeg


@pytest.fixture
def server(tmp_path):
    live = LiveServer(tmp_path, "patrols", workers=2)
    live.cli("demo", "--history", "0")
    live.start()
    yield live
    live.close()


def test_racing_and_replayed_patrols_are_stored_once(server):
    engine = make_engine(server.database_url)
    with Session(engine) as session:
        point = session.exec(select(KeyPoint).where(KeyPoint.name == "城东农贸市场")).one()
        username = session.exec(select(User.username).join(CellInspector, CellInspector.user_id == User.id)
                                .where(CellInspector.cell_code == point.cell_code)).first()
    headers = server.token(username)
    codes = [i["code"] for i in httpx.get(f"{server.url}/api/v1/checklists/farmers_market", headers=headers,
                                          timeout=30).json()["items"]]
    data = noise_jpeg(7)
    body = patrol_body(point, codes, photos=[data])
    patrol_id = uuid.uuid4()
    barrier = threading.Barrier(12)

    def race(_):
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
            barrier.wait()
            return http.put(f"/api/v1/patrols/{patrol_id}", json=body).status_code

    with ThreadPoolExecutor(12) as pool:
        statuses = sorted(pool.map(race, range(12)))
    assert statuses == [200] * 11 + [201]

    url = f"/api/v1/patrols/{patrol_id}/photos/{body['photos'][0]['id']}"
    barrier = threading.Barrier(8)

    def upload(_):
        with httpx.Client(base_url=server.url, headers={**headers, "Content-Type": "image/jpeg"}, timeout=60) as http:
            barrier.wait()
            return http.put(url, content=data).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(upload, range(8)))
    assert statuses.count(201) == 1 and statuses.count(200) == 7
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Patrol)).one() == 1
        photos = session.exec(select(PatrolPhoto)).all()
        assert len(photos) == 1 and photos[0].received_at is not None
    engine.dispose()
