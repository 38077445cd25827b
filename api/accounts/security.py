import hashlib
import hmac
import secrets

from pwdlib import PasswordHash

password_hasher = PasswordHash.recommended()  # argon2id
# Verified against when the username is unknown, so timing does not reveal which usernames exist.
_DUMMY_HASH = password_hasher.hash("gridpatrol-timing-equaliser")


def hash_password(password: str) -> str:
    return password_hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        password_hasher.verify(password, _DUMMY_HASH)
        return False
    return password_hasher.verify(password, password_hash)


def new_token() -> str:
    return "gp_" + secrets.token_urlsafe(32)


def token_digest(token: str, key: bytes) -> str:
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


# No 0/o, 1/l/i: an initial password is read off a sheet and typed on a phone.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_password(length: int = 12) -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))
