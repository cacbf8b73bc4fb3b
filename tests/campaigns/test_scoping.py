from __future__ import annotations

import pytest
from django.apps import apps
from django_scopes import ScopeError

from campaigns.models import ApiToken, Commune, Province, Unit
from campaigns.selectors.access import resolve_access
from portal.scoping import tenant_scope
from reporting.models import ProvinceRollup
from tests.conftest import World

# Reference data that every user may read, province-level aggregates that selectors guard by
# the reviewer's province, and personal API tokens (a user's own, always read by user); every
# other model of ours is tenant-owned.
NON_TENANT_MODELS = {Province, ProvinceRollup, ApiToken}
OUR_APPS = ("campaigns", "targets", "reporting")


def tenant_models() -> list[type]:
    return [
        model
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models()
        if model not in NON_TENANT_MODELS and getattr(model, "_tenant_shared", False) is False
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m.__name__)
def test_unscoped_query_on_tenant_model_raises(model: type) -> None:
    # ``objects`` itself (not the default manager) is what the code queries; a model class
    # taken from the app registry is a bare ``type`` to mypy.
    with pytest.raises(ScopeError):
        list(model.objects.all())  # type: ignore[attr-defined]  # see above
    with pytest.raises(ScopeError):
        model.objects.filter(pk=1).exists()  # type: ignore[attr-defined]  # see above


@pytest.mark.django_db
def test_scope_limits_rows_to_its_communes(world: World) -> None:
    with tenant_scope([world.commune_a.pk]):
        assert set(Unit.objects.values_list("name", flat=True)) == {"Tổ Ẩn Danh Số Một", "Công an xã A"}
        assert list(Commune.objects.values_list("code", flat=True)) == ["xa-a"]
    with tenant_scope([]):
        assert not Unit.objects.exists()


@pytest.mark.django_db
def test_reviewer_scope_is_every_commune_of_the_province(world: World) -> None:
    access = resolve_access(world.reviewer_p)
    assert set(access.commune_ids) == {world.commune_a.pk, world.commune_b.pk}
    assert resolve_access(world.reporter_a).commune_ids == (world.commune_a.pk,)


@pytest.mark.django_db
def test_related_managers_are_scoped_too(world: World) -> None:
    with tenant_scope([world.commune_b.pk]):
        assert list(world.commune_a.units.all()) == []
