import pytest

from api.county import demo
from tests.factories import login


@pytest.fixture
def county(db):
    """The demo county: 34 cells, bureaus, rules; insp05 patrols 330790001002001."""
    demo.load(db)
    db.commit()


@pytest.fixture
def inspector(client, county):
    return login(client, "insp05", "demo1234")
