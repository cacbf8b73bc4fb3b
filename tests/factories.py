"""factory-boy factories for the organisation. Tests build data through these."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import models

from campaigns.models import Commune, CommuneKind, Membership, Plan, Province, Task, Unit, UnitKind
from portal.access import Role
from targets.models import Indicator, Target

PASSWORD = "Mat-khau-2026"  # noqa: S105

ModelT = TypeVar("ModelT", bound=models.Model)


class ModelFactory(factory.django.DjangoModelFactory[ModelT]):
    """A factory whose call (``PlanFactory(...)``) mypy knows returns the model instance."""

    class Meta:
        abstract = True

    if TYPE_CHECKING:
        # factory-boy's metaclass makes ``Factory(**kwargs)`` return ``Factory.create(**kwargs)``,
        # a model instance; mypy does not read a metaclass's ``__call__``, so this declaration
        # (never defined at run time) says it in the only way mypy reads.
        def __new__(cls, **kwargs: Any) -> ModelT: ...  # type: ignore[misc]  # not a factory instance: the model's


class ProvinceFactory(ModelFactory[Province]):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"P{n:02d}")
    name = factory.Sequence(lambda n: f"Tỉnh thử {n}")
    agency_signer_deputy = "KT. GIÁM ĐỐC"
    agency_signer_position = "PHÓ GIÁM ĐỐC"
    agency_signer_name = factory.Sequence(lambda n: f"Người Ký Sở {n}")


class CommuneFactory(ModelFactory[Commune]):
    class Meta:
        model = Commune

    province = factory.SubFactory(ProvinceFactory)
    code = factory.Sequence(lambda n: f"xa-thu-{n}")
    kind = CommuneKind.XA
    name = factory.Sequence(lambda n: f"Thử Nghiệm {n}")


class UnitFactory(ModelFactory[Unit]):
    class Meta:
        model = Unit

    commune = factory.SubFactory(CommuneFactory)
    kind = UnitKind.OFFICE
    name = factory.Sequence(lambda n: f"Đơn vị thử {n}")
    abbreviation = factory.Sequence(lambda n: f"ĐV{n}")
    head_position = "Trưởng đơn vị"
    head_name = factory.Sequence(lambda n: f"Thủ Trưởng {n}")


def _password_set(user: User, create: bool, extracted: str | None, **kwargs: object) -> None:
    user.set_password(extracted or PASSWORD)
    if create:
        user.save()


class UserFactory(ModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.vn")
    first_name = factory.Sequence(lambda n: f"Người dùng {n}")

    password = factory.PostGeneration(_password_set)


def member(role: str, *, commune: Commune | None = None, unit: Unit | None = None,
           province: Province | None = None, username: str | None = None) -> User:
    """A user with one membership."""
    user = UserFactory(username=username) if username else UserFactory()
    if role == Role.UNIT_REPORTER and unit is not None:
        commune = unit.commune
    Membership.objects.create(user=user, role=role, commune=commune, unit=unit, province=province)
    return user


class PlanFactory(ModelFactory[Plan]):
    class Meta:
        model = Plan

    commune = factory.SubFactory(CommuneFactory)
    issuing_body = factory.LazyAttribute(lambda o: f"ỦY BAN NHÂN DÂN {o.commune.official_name.upper()}")
    symbol = "KH-UBND"
    place = factory.LazyAttribute(lambda o: o.commune.name)
    issue_month = 1
    issue_year = 2026
    title = factory.LazyAttribute(
        lambda o: f"Thực hiện Phong trào “Bình dân học vụ số” năm 2026 trên địa bàn {o.commune.official_name}")
    start_year = 2026
    end_year = 2026


class TaskFactory(ModelFactory[Task]):
    class Meta:
        model = Task

    plan = factory.SubFactory(PlanFactory)
    order = factory.Sequence(lambda n: n + 1)
    number = "-"
    level = 3
    title = factory.Sequence(lambda n: f"Nhiệm vụ thử {n}")
    timeframe_text = "Thường xuyên"
    timeframe_kind = "recurring"
    recurrence = "continuous"


class TargetFactory(ModelFactory[Target]):
    class Meta:
        model = Target

    plan = factory.SubFactory(PlanFactory)
    indicator = factory.LazyFunction(lambda: standard_indicator("ADULTS_DIGITAL_SKILLS"))
    year = 2026
    value = 80


def standard_indicator(code: str) -> Indicator:
    """The national standard indicator of this code."""
    return Indicator.objects.get(commune__isnull=True, code=code)
