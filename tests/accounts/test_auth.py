"""Login, tokens (session and device), revocation, throttling, /me."""

import uuid
from datetime import timedelta

from sqlmodel import select

from api.accounts.models import AuthToken, Role, User
from api.database import utcnow
from tests.factories import PASSWORD, capture_body, login, make_bureau, make_cell, make_user, photo_bytes

CELL = "330790001001001"


def _login(client, username, password=PASSWORD, **form):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password, **form})


def test_login_returns_a_bearer_token_and_me_describes_the_user(client, db):
    make_cell(db, CELL)
    make_user(db, "insp", Role.inspector, cells=(CELL,))
    db.commit()
    response = _login(client, "insp")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 12 * 3600
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"}).json()
    assert (me["username"], me["role"], me["role_name"]) == ("insp", "inspector", "网格员")
    assert me["cells"] == [{"code": CELL, "name": "网格001"}] and me["bureau"] is None


def test_me_for_a_liaison_names_the_bureau_and_its_cells(client, db):
    make_bureau(db, "czj", "财政局")
    make_cell(db, CELL, responsible="czj")
    make_user(db, "czj1", Role.bureau, bureau_code="czj")
    db.commit()
    me = client.get("/api/v1/me", headers=login(client, "czj1")).json()
    assert me["bureau"] == {"code": "czj", "name": "财政局"}
    assert [c["code"] for c in me["cells"]] == [CELL]


def test_device_token_lives_long_for_offline_phones(client, db):
    make_user(db, "insp", Role.inspector)
    db.commit()
    body = _login(client, "insp", scope="device", client_id="红米 Note 12").json()
    assert body["kind"] == "device" and body["expires_in"] == 90 * 86400
    token = db.get(AuthToken, body["token_id"])
    assert token.device_name == "红米 Note 12"


def test_a_device_is_noted_as_seen_at_most_every_ten_minutes(client, db):
    make_user(db, "insp", Role.inspector)
    db.commit()
    body = _login(client, "insp", scope="device").json()
    headers = {"Authorization": f"Bearer {body['access_token']}"}

    def last_used():
        db.expire_all()
        return db.get(AuthToken, body["token_id"]).last_used_at

    assert client.get("/api/v1/me", headers=headers).status_code == 200
    seen = last_used()
    assert seen is not None and utcnow() - seen < timedelta(minutes=1)
    client.get("/api/v1/me", headers=headers)
    assert last_used() == seen  # within ten minutes: not written again
    token = db.get(AuthToken, body["token_id"])
    token.last_used_at = utcnow() - timedelta(minutes=11)
    db.commit()
    client.get("/api/v1/me", headers=headers)
    assert utcnow() - last_used() < timedelta(minutes=1)


def test_the_capture_path_notes_the_device_too(client, db, county):
    """PUT ticket and photo uploads authenticate inside their own transaction (deps.authorize)."""
    body = _login(client, "insp05", "demo1234", scope="device").json()
    headers = {"Authorization": f"Bearer {body['access_token']}"}

    def last_used():
        db.expire_all()
        return db.get(AuthToken, body["token_id"]).last_used_at

    def long_ago():
        db.get(AuthToken, body["token_id"]).last_used_at = utcnow() - timedelta(minutes=11)
        db.commit()

    photo = photo_bytes()
    capture, ticket_id = capture_body([photo], lat=28.9078, lon=120.0270), uuid.uuid4()
    long_ago()
    assert client.put(f"/api/v1/tickets/{ticket_id}", json=capture, headers=headers).status_code == 201
    assert utcnow() - last_used() < timedelta(minutes=1)
    long_ago()
    assert client.put(f"/api/v1/tickets/{ticket_id}/photos/{capture['photos'][0]['id']}", content=photo,
                      headers={**headers, "Content-Type": "image/jpeg"}).status_code == 201
    assert utcnow() - last_used() < timedelta(minutes=1)


def test_passwords_are_argon2_and_tokens_stored_only_as_digests(client, db):
    make_user(db, "insp", Role.inspector)
    db.commit()
    body = _login(client, "insp").json()
    user = db.exec(select(User).where(User.username == "insp")).one()
    assert user.password_hash.startswith("$argon2id$")
    stored = db.get(AuthToken, body["token_id"])
    assert body["access_token"] not in stored.digest and len(stored.digest) == 64


def test_wrong_password_and_unknown_user_look_the_same(client, db):
    make_user(db, "insp", Role.inspector)
    db.commit()
    wrong = _login(client, "insp", "nope-nope")
    unknown = _login(client, "ghost", "nope-nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"


def test_inactive_user_cannot_log_in(client, db):
    make_user(db, "gone", Role.inspector, is_active=False)
    db.commit()
    assert _login(client, "gone").status_code == 401


def test_login_is_throttled_per_username_and_address(client, db, settings):
    make_user(db, "insp", Role.inspector)
    db.commit()
    for _ in range(settings.login_max_failures_per_user_and_ip):
        assert _login(client, "insp", "guess-guess").status_code == 401
    blocked = _login(client, "insp")  # even the right password is refused now
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "login_throttled"
    assert 0 < int(blocked.headers["retry-after"]) <= settings.login_window_minutes * 60


def test_login_is_throttled_per_address(client, db, settings):
    settings.login_max_failures_per_ip = 3
    for user in ("a1", "a2", "a3", "a4"):
        make_user(db, user, Role.inspector)
    db.commit()
    for user in ("a1", "a2", "a3"):
        assert _login(client, user, "guess-guess").status_code == 401
    assert _login(client, "a4").status_code == 429


def test_a_success_clears_earlier_typos(client, db, settings):
    make_user(db, "insp", Role.inspector)
    db.commit()
    for _ in range(settings.login_max_failures_per_user_and_ip - 1):
        _login(client, "insp", "typo-typo")
    assert _login(client, "insp").status_code == 200
    for _ in range(settings.login_max_failures_per_user_and_ip - 1):
        _login(client, "insp", "typo-typo")
    assert _login(client, "insp").status_code == 200


def test_revoking_a_token_signs_that_device_out(client, db):
    make_user(db, "insp", Role.inspector)
    db.commit()
    phone = login(client, "insp", scope="device")
    desk = login(client, "insp")
    tokens = client.get("/api/v1/auth/tokens", headers=desk).json()
    device = next(t for t in tokens if t["kind"] == "device")
    assert client.delete(f"/api/v1/auth/tokens/{device['id']}", headers=desk).status_code == 204
    refused = client.get("/api/v1/me", headers=phone)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_token"
    assert client.get("/api/v1/me", headers=desk).status_code == 200


def test_logout_revokes_the_current_token(client, db):
    make_user(db, "insp", Role.inspector)
    db.commit()
    headers = login(client, "insp")
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_admin_signs_a_lost_phone_out_everywhere(client, db):
    make_user(db, "root", Role.admin)
    victim = make_user(db, "insp", Role.inspector)
    db.commit()
    phone = login(client, "insp", scope="device")
    response = client.post(f"/api/v1/users/{victim.id}/revoke-tokens", headers=login(client, "root"))
    assert response.json() == {"revoked": 1}
    assert client.get("/api/v1/me", headers=phone).status_code == 401


def test_deactivating_or_repasswording_a_user_revokes_their_tokens(client, db):
    make_user(db, "root", Role.admin)
    victim = make_user(db, "insp", Role.inspector)
    db.commit()
    admin = login(client, "root")
    phone = login(client, "insp", scope="device")
    client.patch(f"/api/v1/users/{victim.id}", headers=admin, json={"password": "brand-new-pass"})
    assert client.get("/api/v1/me", headers=phone).status_code == 401
    phone = login(client, "insp", "brand-new-pass")
    client.patch(f"/api/v1/users/{victim.id}", headers=admin, json={"is_active": False})
    assert client.get("/api/v1/me", headers=phone).status_code == 401


def test_expired_token_is_refused(client, db):
    make_user(db, "insp", Role.inspector)
    db.commit()
    body = _login(client, "insp").json()
    token = db.get(AuthToken, body["token_id"])
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert response.status_code == 401


def test_users_cannot_see_or_revoke_other_peoples_tokens(client, db):
    make_user(db, "a", Role.inspector)
    make_user(db, "b", Role.inspector)
    db.commit()
    body_b = _login(client, "b").json()
    headers_a = login(client, "a")
    assert all(t["id"] != body_b["token_id"] for t in client.get("/api/v1/auth/tokens", headers=headers_a).json())
    assert client.delete(f"/api/v1/auth/tokens/{body_b['token_id']}", headers=headers_a).status_code == 404
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {body_b['access_token']}"}).status_code == 200


def test_admin_creates_and_updates_users(client, db):
    make_user(db, "root", Role.admin)
    make_bureau(db, "zhzf")
    make_cell(db, CELL)
    db.commit()
    admin = login(client, "root")
    created = client.post("/api/v1/users", headers=admin, json={
        "username": "insp9", "display_name": "王九", "role": "inspector", "password": "long-enough-1",
        "cell_codes": [CELL]})
    assert created.status_code == 201 and created.json()["cells"][0]["code"] == CELL
    duplicate = client.post("/api/v1/users", headers=admin, json={
        "username": "insp9", "role": "inspector", "password": "long-enough-1"})
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "username_taken"
    unknown_cell = client.post("/api/v1/users", headers=admin, json={
        "username": "insp10", "role": "inspector", "password": "long-enough-1", "cell_codes": ["330790999999999"]})
    assert unknown_cell.status_code == 422 and unknown_cell.json()["error"]["code"] == "unknown_cell"
    assert db.exec(select(User).where(User.username == "insp10")).first() is None
    moved = client.patch(f"/api/v1/users/{created.json()['id']}", headers=admin,
                         json={"role": "bureau", "bureau_code": "zhzf"})
    assert moved.json()["bureau"]["code"] == "zhzf" and moved.json()["cells"] == []
