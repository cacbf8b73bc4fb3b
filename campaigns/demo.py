"""Demo data: the provinces, communes and units of the four seed plans, and demo users.

Idempotent: running it again updates in place and creates nothing twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from campaigns.models import Commune, CommuneKind, Plan, Province, Unit
from campaigns.plan_data import plan_data_from_dict
from campaigns.services.organisation import membership_set, unit_details_set, unit_upsert
from campaigns.services.plan_import import plan_import
from portal.access import Role
from portal.scoping import scopes_disabled

SEED_PLAN_DIR = Path(__file__).resolve().parent / "seed_plans"
DEMO_PASSWORD = "Demo@2026"  # noqa: S105 - published in README for the demo only


@dataclass(frozen=True)
class DemoCommune:
    code: str
    kind: str
    name: str
    province_code: str
    province_name: str
    short: str  # used in demo user names


DEMO_COMMUNES = [
    DemoCommune("son-kim-1", CommuneKind.XA, "Sơn Kim 1", "42", "Hà Tĩnh", "sonkim1"),
    DemoCommune("dang-thuy-tram", CommuneKind.XA, "Đặng Thùy Trâm", "51", "Quảng Ngãi", "dangthuytram"),
    DemoCommune("ba-ngoi", CommuneKind.PHUONG, "Ba Ngòi", "56", "Khánh Hòa", "bangoi"),
    DemoCommune("ha-tu", CommuneKind.PHUONG, "Hà Tu", "22", "Quảng Ninh", "hatu"),
]
# What the demo units' reports print of them: the abbreviation of their symbols and their head
# (invented names). Keyed by the unit's name in the seed plan; a unit not listed stays blank,
# and its report then cannot be sent until the commune fills these in.
DEMO_UNIT_DETAILS: dict[str, dict[str, tuple[str, str, str]]] = {
    "son-kim-1": {
        "Phòng Văn hóa - Xã hội": ("VHXH", "Trưởng phòng", "Nguyễn Thị Hà"),
        "Phòng Kinh tế": ("KT", "Trưởng phòng", "Phan Văn Đức"),
        "Văn phòng Ủy ban": ("VP", "Chánh Văn phòng", "Lê Thị Thu Hương"),
        "Công an xã": ("CAX", "Trưởng Công an xã", "Trần Quốc Việt"),
        "Đoàn Thanh niên xã": ("ĐTN", "Bí thư Đoàn xã", "Võ Thị Ngọc Ánh"),
        "Ban xây dựng Đảng": ("BXDĐ", "Trưởng ban", "Đặng Văn Hải"),
        "Ban Chỉ đạo về phát triển khoa học, công nghệ, đổi mới sáng tạo": (
            "BCĐ", "Trưởng ban", "Hồ Văn Tâm"),
        "Tổ chuyển đổi số cộng đồng": ("TCĐS", "Tổ trưởng", "Nguyễn Đình Long"),
    },
    "dang-thuy-tram": {
        "Phòng Văn hóa - Xã hội": ("VHXH", "Trưởng phòng", "Phạm Thị Thanh Thủy"),
        "Văn phòng HĐND và UBND xã": ("VP", "Chánh Văn phòng", "Nguyễn Văn Bình"),
        "Trung tâm Cung ứng Dịch vụ công xã": ("TTCUDVC", "Giám đốc", "Trương Công Hậu"),
        "Trung tâm Phục vụ hành chính công": ("TTPVHCC", "Giám đốc", "Lê Thị Mỹ Linh"),
        "Công an xã": ("CAX", "Trưởng Công an xã", "Huỳnh Văn Sơn"),
        "Đoàn TNCS Hồ Chí Minh xã": ("ĐTN", "Bí thư Đoàn xã", "Đinh Thị Kim Oanh"),
        "UBMTTQ Việt Nam xã": ("MTTQ", "Chủ tịch", "Bùi Văn Thành"),
        "Tổ Công nghệ số cộng đồng": ("TCNS", "Tổ trưởng", "Võ Minh Trí"),
    },
    "ba-ngoi": {
        "Phòng Văn hóa – Xã hội": ("VHXH", "Trưởng phòng", "Nguyễn Thị Thu Trang"),
        "Phòng Kinh tế, Hạ tầng và Đô thị": ("KTHTĐT", "Trưởng phòng", "Lê Văn Phước"),
        "Công an phường": ("CAP", "Trưởng Công an phường", "Trần Minh Khoa"),
        "Tổ công nghệ số cộng đồng và triển khai Đề án 06": ("TCNS", "Tổ trưởng", "Phạm Ngọc Duy"),
        "Ban Xây dựng Đảng": ("BXDĐ", "Trưởng ban", "Đỗ Thị Hồng Nhung"),
        "Mặt trận và các Tổ chức CT-XH phường": ("MTTQ", "Chủ tịch", "Ngô Văn Lực"),
    },
    "ha-tu": {
        "Ủy ban nhân dân phường": ("UBND", "Chủ tịch", "Vũ Văn Toàn"),
        "Ban xây dựng Đảng": ("BXDĐ", "Trưởng ban", "Nguyễn Thị Minh Hằng"),
        "Văn phòng Đảng ủy": ("VPĐU", "Chánh Văn phòng", "Hoàng Văn Nam"),
        "Văn phòng HĐND và UBND phường": ("VP", "Chánh Văn phòng", "Phạm Thị Lan Anh"),
        "Ủy ban MTTQ, các tổ chức chính trị - xã hội phường": ("MTTQ", "Chủ tịch", "Đào Văn Hùng"),
    },
}
# The reviewing department of each demo province and who signs its summary (invented names).
DEMO_PROVINCE_SIGNERS: dict[str, tuple[str, str, str]] = {
    "42": ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Văn Thắng"),
    "51": ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Trần Thị Thu Hà"),
    "56": ("", "GIÁM ĐỐC", "Lê Minh Tuấn"),
    "22": ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Phạm Quang Huy"),
}
PROVINCE_USERNAMES = {"42": "tinh.hatinh", "51": "tinh.quangngai", "56": "tinh.khanhhoa", "22": "tinh.quangninh"}


def seed_plan_data(code: str) -> dict[str, Any]:
    with (SEED_PLAN_DIR / f"{code}.json").open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


@lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    # One hash for every demo user: PBKDF2 takes about a second per hash on a small machine,
    # and the demo users share a published password anyway.
    return make_password(DEMO_PASSWORD)


def _user(username: str, full_name: str, *, superuser: bool = False) -> Any:
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username, defaults={"email": f"{username}@demo.bdhvs.vn"}
    )
    # Vietnamese names are written whole ("Nguyễn Văn An"); keep them in one field.
    user.first_name, user.last_name = full_name, ""
    user.is_superuser = user.is_staff = superuser
    if created:
        user.password = _demo_password_hash()
    user.save()
    return user


def demo_reporter_username(commune: DemoCommune, index: int) -> str:
    return f"bc.{commune.short}.{index}"


@transaction.atomic
def demo_load(*, stdout: Any = None) -> None:
    def say(text: str) -> None:
        if stdout is not None:
            stdout.write(text)

    with scopes_disabled():
        _user("admin", "Quản trị hệ thống", superuser=True)
        for item in DEMO_COMMUNES:
            deputy, position, name = DEMO_PROVINCE_SIGNERS[item.province_code]
            province, _ = Province.objects.update_or_create(
                code=item.province_code, defaults={
                    "name": item.province_name, "agency_signer_deputy": deputy,
                    "agency_signer_position": position, "agency_signer_name": name},
            )
            commune, _ = Commune.objects.update_or_create(
                code=item.code,
                defaults={"province": province, "kind": item.kind, "name": item.name},
            )
            units: list[Unit] = [
                unit_upsert(commune=commune, name=u["name"], kind=u["kind"])
                for u in seed_plan_data(item.code)["units"]
            ]
            details = DEMO_UNIT_DETAILS.get(item.code, {})
            for unit in units:
                if unit.name in details:
                    abbreviation, position, head = details[unit.name]
                    unit_details_set(unit=unit, abbreviation=abbreviation, head_position=position,
                                     head_name=head)
            membership_set(
                user=_user(f"admin.{item.short}", f"Quản trị {item.name}"),
                role=Role.COMMUNE_ADMIN, commune=commune,
            )
            membership_set(
                user=_user(f"xem.{item.short}", f"Lãnh đạo {item.name}"),
                role=Role.COMMUNE_VIEWER, commune=commune,
            )
            for index, unit in enumerate(units, start=1):
                membership_set(
                    user=_user(demo_reporter_username(item, index), f"Báo cáo viên {unit.name}"),
                    role=Role.UNIT_REPORTER, unit=unit,
                )
            membership_set(
                user=_user(PROVINCE_USERNAMES[item.province_code], f"Chuyên viên Sở KH&CN {item.province_name}"),
                role=Role.PROVINCE_REVIEWER, province=province,
            )
            data = plan_data_from_dict(seed_plan_data(item.code))
            plan = Plan.objects.filter(commune=commune, title=data.title).first()
            if plan is None:
                # Through the same validating import path as an uploaded workbook.
                plan = plan_import(data=data, commune=commune)
            say(f"{commune.official_name} ({province.full_name}): {len(units)} đơn vị, "
                f"kế hoạch #{plan.pk}")
