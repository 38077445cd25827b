import pytest

from api.accounts.models import Role
from tests.bulletins.history import build
from tests.factories import make_user


@pytest.fixture
def october(db, settings):
    """The bulletin tests' hand-built October, and a ledger clerk."""
    story = build(db, settings)
    make_user(db, "clerk", Role.ledger)
    db.commit()
    return story
