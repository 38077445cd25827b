"""Login throttling (docs/login-throttle.md): attempts are counted atomically, per username and client
together, per client, and per username from anywhere up to a ceiling one client cannot reach."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from api.accounts import service
from api.accounts.models import Role
from api.errors import ApiError
from tests.factories import PASSWORD, make_user

ATTACKER, LIAISON = "203.0.113.9", "198.51.100.20"


def _attempt(engine, settings, password, client, username="liaison") -> int:
    try:
        service.authenticate(engine, settings, username=username, password=password, client=client)
    except ApiError as exc:
        return exc.status
    return 200


@pytest.fixture
def liaison(db):
    make_user(db, "liaison", Role.inspector)
    db.commit()


def test_concurrent_wrong_passwords_hit_the_throttle(engine, settings, liaison):
    guesses = 40
    start = threading.Barrier(guesses)

    def guess(_):
        start.wait()
        return _attempt(engine, settings, "wrong-guess", ATTACKER)

    with ThreadPoolExecutor(guesses) as pool:
        statuses = list(pool.map(guess, range(guesses)))
    assert statuses.count(401) == settings.login_max_failures_per_user_and_ip
    assert statuses.count(429) == guesses - settings.login_max_failures_per_user_and_ip


def test_guesses_from_one_client_do_not_lock_the_user_out_elsewhere(engine, settings, liaison):
    for _ in range(settings.login_max_failures_per_user_and_ip):
        assert _attempt(engine, settings, "wrong-guess", ATTACKER) == 401
    assert _attempt(engine, settings, PASSWORD, ATTACKER) == 429  # even the right password, from there
    assert _attempt(engine, settings, PASSWORD, LIAISON) == 200
    assert _attempt(engine, settings, "wrong-guess", ATTACKER) == 429  # the success forgave only her typos


def test_many_clients_together_reach_the_ceiling(engine, settings, liaison):
    settings.login_max_failures_per_user = 6
    for client in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        for _ in range(2):
            assert _attempt(engine, settings, "wrong-guess", client) == 401
    assert _attempt(engine, settings, PASSWORD, LIAISON) == 429


def test_one_client_guessing_many_users_is_stopped(engine, settings, db):
    settings.login_max_failures_per_ip = 3
    for name in ("a1", "a2", "a3", "a4"):
        make_user(db, name, Role.inspector)
    db.commit()
    for name in ("a1", "a2", "a3"):
        assert _attempt(engine, settings, "wrong-guess", ATTACKER, name) == 401
    assert _attempt(engine, settings, PASSWORD, ATTACKER, "a4") == 429
    assert _attempt(engine, settings, PASSWORD, LIAISON, "a4") == 200


def test_an_ipv6_client_is_counted_by_its_64():
    assert service.client_key("2001:db8:1:2::1") == service.client_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert service.client_key("2001:db8:1:3::1") != service.client_key("2001:db8:1:2::1")
    assert service.client_key("::ffff:198.51.100.20") == "198.51.100.20"
    assert service.client_key("198.51.100.20") == "198.51.100.20"
    assert service.client_key(None) == "unknown"
