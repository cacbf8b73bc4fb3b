import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_url


def test_env_bool_refuses_garbage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_FLAG", default=False)
    monkeypatch.setenv("X_FLAG", "yes")
    assert env_bool("X_FLAG", default=False) is True


def test_env_int_refuses_non_numbers_and_small_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_INT", "ten")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_INT", 1)
    monkeypatch.setenv("X_INT", "0")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_INT", 1, minimum=1)


def test_env_url_checks_the_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_DB", "mysql://localhost/db")
    with pytest.raises(ImproperlyConfigured):
        env_url("X_DB", schemes={"postgres"})
    monkeypatch.setenv("X_DB", "postgres://u@localhost:5432/db")
    assert env_url("X_DB", schemes={"postgres"}) == "postgres://u@localhost:5432/db"
    monkeypatch.delenv("X_DB")
    assert env_url("X_DB", schemes={"postgres"}) is None
