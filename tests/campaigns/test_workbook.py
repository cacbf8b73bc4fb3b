"""The plan workbook: round trip of every seed plan, the bad-workbook corpus, text safety,
the management commands and the pages. Real openpyxl, real zip files, real database."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from campaigns.demo import DEMO_COMMUNES
from campaigns.models import Commune, Plan, PlanStatus, Task
from campaigns.plan_data import PlanImportError, plan_data_from_dict
from campaigns.selectors.plan_export import plan_data_export
from campaigns.workbook.read import plan_workbook_import, plan_workbook_read
from campaigns.workbook.write import plan_workbook_export, plan_workbook_write
from portal.scoping import scopes_disabled, tenant_scope
from portal.xlsx import XLSX_CONTENT_TYPE
from targets.models import Target
from tests.campaigns.bad_workbooks import CORPUS, BadWorkbook, edit, set_cell

SEEDS = [c.code for c in DEMO_COMMUNES]


@pytest.fixture
def demo(db: None) -> None:
    call_command("load_demo", verbosity=0)


def _plan(code: str) -> Plan:
    with scopes_disabled():
        return Plan.objects.select_related("commune").get(commune__code=code)


@pytest.fixture
def ba_ngoi(demo: None) -> Iterator[Plan]:
    plan = _plan("ba-ngoi")
    with tenant_scope([plan.commune_id]):
        yield plan


@pytest.fixture
def good(ba_ngoi: Plan) -> bytes:
    return plan_workbook_export(plan=ba_ngoi)


def _counts() -> tuple[int, int, int]:
    with scopes_disabled():
        return Plan.objects.count(), Task.objects.count(), Target.objects.count()


def _problems(content: Any, commune: Commune, **kwargs: Any) -> list[str]:
    before = _counts()
    with pytest.raises(PlanImportError) as caught:
        plan_workbook_import(file=content, commune=commune, actor=None, **kwargs)
    assert _counts() == before, "a refused workbook saved something"
    return [str(p) for p in caught.value.problems]


# --- Round trip ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("code", SEEDS)
def test_seed_plan_survives_the_workbook_round_trip(demo: None, code: str) -> None:
    plan = _plan(code)
    with tenant_scope([plan.commune_id]):
        content = plan_workbook_export(plan=plan)
        copy = plan_workbook_import(file=content, commune=plan.commune, actor=None)
        before = plan_data_export(plan=plan).as_dict()
        after = plan_data_export(plan=copy).as_dict()
    assert copy.pk != plan.pk
    assert after == before


@pytest.mark.django_db
def test_read_without_a_commune_gives_the_plan_data(ba_ngoi: Plan, good: bytes) -> None:
    data = plan_workbook_read(io.BytesIO(good))
    exported = plan_data_export(plan=ba_ngoi)
    assert data.title == exported.title
    assert [t.number for t in data.tasks] == [t.number for t in exported.tasks]
    news = next(t for t in data.targets if t.indicator == "NEWS_ARTICLES")
    assert (news.value, news.per_period_quantity, news.per_period) == (Decimal(300), Decimal(25), "month")
    first_with_products = next(t for t in data.tasks if t.deliverables)
    assert first_with_products.deliverables[0].quantity == Decimal(1)


@pytest.mark.django_db
def test_workbook_has_the_documented_sheets_and_columns(good: bytes) -> None:
    wb = load_workbook(io.BytesIO(good))
    assert wb.sheetnames == ["Hướng dẫn", "Thông tin chung", "Nội dung", "Đơn vị", "Chỉ tiêu", "Nhiệm vụ",
                             "Danh mục"]
    tasks = wb["Nhiệm vụ"]
    assert [c.value for c in tasks[1]] == [
        "STT", "Nhiệm vụ, giải pháp", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian thực hiện",
        "Sản phẩm/kết quả", "Mô tả chi tiết", "Chỉ số sản phẩm"]
    assert tasks.freeze_panes == "C2" and tasks["A1"].font.b
    assert [c.value for c in wb["Chỉ tiêu"][1]][:4] == ["Mã chỉ số", "Tên chỉ số", "Năm", "Chỉ tiêu"]
    assert wb["Hướng dẫn"].protection.sheet and wb["Danh mục"].protection.sheet
    lists = [c.value for c in wb["Danh mục"]["J"]]
    assert "NEWS_ARTICLES" in lists and "CBCCVC_DIGITAL_SKILLS" in lists
    general = {row[0].value: row[1].value for row in wb["Thông tin chung"].iter_rows(min_row=2)}
    assert general["Cơ quan ban hành"] == "Ủy ban nhân dân"
    assert general["Từ năm"] == 2026
    bases = [row[1].value for row in wb["Thông tin chung"].iter_rows(min_row=2) if row[0].value == "Căn cứ"]
    assert len(bases) == 5 and bases[0].startswith("Thực hiện Kế hoạch số 01/KH-BCĐTW")
    news_task = next(row for row in tasks.iter_rows(min_row=2) if "NEWS_ARTICLES" in (row[7].value or ""))
    assert "NEWS_ARTICLES | 25 | tháng" in news_task[7].value.split("\n")


@pytest.mark.django_db
def test_reimport_replaces_the_content_of_a_draft(ba_ngoi: Plan, good: bytes) -> None:
    copy = plan_workbook_import(file=good, commune=ba_ngoi.commune, actor=None)
    changed = edit(good, set_cell("Chỉ tiêu", "D5", 75))  # row 5: ADULTS_VNEID_CERTIFIED, 70 → 75
    version = copy.version
    result = plan_workbook_import(file=changed, commune=ba_ngoi.commune, actor=None, into=copy)
    assert result.pk == copy.pk
    copy.refresh_from_db()
    assert copy.version == version + 1
    assert Target.objects.get(plan=copy, indicator__code="ADULTS_VNEID_CERTIFIED").value == Decimal(75)
    assert Target.objects.filter(plan=copy).count() == Target.objects.filter(plan=ba_ngoi).count()


@pytest.mark.django_db
def test_reimport_into_an_issued_plan_is_refused(ba_ngoi: Plan, good: bytes) -> None:
    Plan.objects.filter(pk=ba_ngoi.pk).update(status=PlanStatus.ISSUED)
    ba_ngoi.refresh_from_db()
    changed = edit(good, set_cell("Chỉ tiêu", "D5", 75))
    problems = _problems(changed, ba_ngoi.commune, into=ba_ngoi)
    assert problems == ["Kế hoạch đã ban hành nên không thể thay nội dung bằng tệp Excel; mọi thay đổi phải "
                        "qua sửa đổi có ghi lý do."]
    assert Target.objects.get(plan=ba_ngoi, indicator__code="ADULTS_VNEID_CERTIFIED").value == Decimal(70)


@pytest.mark.django_db
def test_unknown_units_are_created_only_when_asked(ba_ngoi: Plan, good: bytes) -> None:
    changed = edit(good, set_cell("Nhiệm vụ", "C4", "Hội Nông dân phường"))
    assert _problems(changed, ba_ngoi.commune) == [
        "Trang “Nhiệm vụ”, ô C4: Đơn vị “Hội Nông dân phường” chưa có trong danh sách đơn vị của Phường Ba Ngòi."]
    plan = plan_workbook_import(file=changed, commune=ba_ngoi.commune, actor=None, create_units=True)
    lead_unit = plan.tasks.get(order=3).lead_unit
    assert lead_unit is not None and lead_unit.name == "Hội Nông dân phường"


# --- The bad-workbook corpus --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("case", CORPUS, ids=str)
def test_bad_workbook_is_refused_with_its_place_and_saves_nothing(
        ba_ngoi: Plan, good: bytes, case: BadWorkbook) -> None:
    content, expected = case.build(good)
    assert _problems(content, ba_ngoi.commune) == [expected]


@pytest.mark.django_db
def test_every_problem_is_reported_together_in_workbook_order(ba_ngoi: Plan, good: bytes) -> None:
    def change(wb: Any) -> None:
        wb["Nhiệm vụ"]["C4"].value = "Phòng Ma"
        wb["Chỉ tiêu"]["D3"].value = "mười"
        wb["Chỉ tiêu"]["D2"].value = 130
        wb["Đơn vị"]["B2"].value = "Ban bí ẩn"

    problems = _problems(edit(good, change), ba_ngoi.commune)
    assert problems == [
        "Trang “Đơn vị”, ô B2: “Ban bí ẩn” không có trong danh sách (Phòng, ban chuyên môn; Ủy ban nhân dân; "
        "Công an; Trường học; Mặt trận, đoàn thể; Thôn, tổ dân phố; Tổ công nghệ số cộng đồng; Doanh nghiệp, "
        "hợp tác xã; Cơ quan Đảng; Trung tâm; Ban chỉ đạo; Y tế; Khác).",
        "Trang “Chỉ tiêu”, ô D2: Chỉ tiêu phần trăm không được lớn hơn 100.",
        "Trang “Chỉ tiêu”, ô D3: “mười” không phải là số.",
        "Trang “Nhiệm vụ”, ô C4: Đơn vị “Phòng Ma” chưa có trong danh sách đơn vị của Phường Ba Ngòi.",
    ]


@pytest.mark.django_db
def test_uploaded_file_over_the_limit_is_refused_before_reading(ba_ngoi: Plan) -> None:
    upload = SimpleUploadedFile("lon.xlsx", b"\0" * (10 * 1024 * 1024 + 1), content_type=XLSX_CONTENT_TYPE)
    assert _problems(upload, ba_ngoi.commune) == [
        "Tệp lớn hơn 10 MB nên không nhập được. Hãy xoá bớt dữ liệu thừa rồi thử lại."]


# --- Text: NFC, numbers, neutralised formulas ---------------------------------------------


@pytest.mark.django_db
def test_decomposed_text_comes_back_composed(ba_ngoi: Plan, good: bytes) -> None:
    title = "Kế hoạch thử nghiệm Bình dân học vụ số năm 2026"
    lead = "Phòng Văn hóa – Xã hội"
    nfd_title, nfd_lead = unicodedata.normalize("NFD", title), unicodedata.normalize("NFD", lead)
    assert nfd_title != title and nfd_lead != lead

    def change(wb: Any) -> None:
        general = wb["Thông tin chung"]
        row = next(r for r in general.iter_rows(min_row=2) if r[0].value == "Trích yếu")
        row[1].value = f"  {nfd_title}  "
        wb["Nhiệm vụ"]["C4"].value = nfd_lead

    plan = plan_workbook_import(file=edit(good, change), commune=ba_ngoi.commune, actor=None)
    plan.refresh_from_db()
    assert plan.title == title
    lead_unit = plan.tasks.get(order=3).lead_unit
    assert lead_unit is not None and lead_unit.name == lead


@pytest.mark.django_db
def test_numbers_accept_comma_dot_and_percent_cells(ba_ngoi: Plan, good: bytes) -> None:
    def change(wb: Any) -> None:
        sheet = wb["Chỉ tiêu"]
        sheet["D2"].value = "12,5"
        sheet["D3"].value = "12.5"
        sheet["D4"].value = 0.7
        sheet["D4"].number_format = "0%"
        sheet["D5"].value = "70%"

    data = plan_workbook_read(edit(good, change))
    assert [t.value for t in data.targets[:4]] == [Decimal("12.5"), Decimal("12.5"), Decimal("70"), Decimal("70")]


TRICKY = {
    "title": "=HYPERLINK(\"http://example.com\",\"Bấm vào đây\")",
    "preamble": "+84 912 345 678 là số điện thoại của Tổ công nghệ số",
    "closing": "-Hết-",
    "recipient": "@Lưu VT",
    "statement": "=cmd|' /C calc'!A0",
    "deliverable": "+Cử cán bộ, công chức tham gia trực tiếp tập huấn;",
    "deliverable2": "=SUM(A1:A3)",
    "coordinating": "-Công an phường",
    "error_code": "#N/A",
}


def _tricky_data() -> Any:
    return plan_data_from_dict({
        "issuing_body": "ỦY BAN NHÂN DÂN PHƯỜNG BA NGÒI", "title": TRICKY["title"], "place": "Ba Ngòi",
        "start_year": 2026, "end_year": 2026, "preamble": TRICKY["preamble"], "closing": TRICKY["closing"],
        "recipients": [TRICKY["recipient"], TRICKY["error_code"]],
        "targets": [{"indicator": "NEWS_ARTICLES", "year": 2026, "value": 300, "statement": TRICKY["statement"]}],
        "tasks": [
            {"number": "I", "title": "NHÓM"},
            {"number": "-", "title": "-Nhiệm vụ gạch đầu dòng", "coordinating": [TRICKY["coordinating"]],
             "deliverables": [{"text": TRICKY["deliverable"]}, {"text": TRICKY["deliverable2"], "quantity": 2}]},
            {"number": "+", "title": "@Nhiệm vụ con"},
        ],
    })


def test_cells_that_look_like_formulas_are_text_and_read_back_unchanged() -> None:
    data = _tricky_data()
    content = plan_workbook_write(data)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert not any("<f>" in xml or "<f " in xml for xml in sheets), "a formula was written"

    for read_only in (False, True):
        wb = load_workbook(io.BytesIO(content), read_only=read_only)
        for sheet in ("Thông tin chung", "Chỉ tiêu", "Nhiệm vụ"):
            for row in wb[sheet].iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        assert cell.data_type == "s", (sheet, cell.coordinate, cell.value)
                        if not read_only and cell.value.startswith(("=", "+", "-", "@")):
                            assert cell.quotePrefix, (sheet, cell.coordinate)
        wb.close()

    back = plan_workbook_read(content)
    assert back.title == TRICKY["title"]
    assert back.preamble == TRICKY["preamble"] and back.closing == TRICKY["closing"]
    assert back.recipients == [TRICKY["recipient"], TRICKY["error_code"]]
    assert back.targets[0].statement == TRICKY["statement"]
    assert [t.number for t in back.tasks] == ["I", "-", "+"]
    assert back.tasks[1].title == "-Nhiệm vụ gạch đầu dòng" and back.tasks[2].title == "@Nhiệm vụ con"
    assert back.tasks[1].coordinating == [TRICKY["coordinating"]]
    assert [d.text for d in back.tasks[1].deliverables] == [TRICKY["deliverable"], TRICKY["deliverable2"]]
    assert back.tasks[1].deliverables[1].quantity == Decimal(2)
    assert back.as_dict() == data.as_dict()


# --- Management commands ------------------------------------------------------------------


@pytest.mark.django_db
def test_commands_export_and_import_a_plan(demo: None, tmp_path: Path) -> None:
    plan = _plan("ha-tu")
    output = tmp_path / "ke-hoach-ha-tu.xlsx"
    out = io.StringIO()
    call_command("export_plan", plan=plan.pk, output=str(output), stdout=out)
    assert output.stat().st_size > 0 and "ke-hoach-ha-tu.xlsx" in out.getvalue()

    plans_before = _counts()[0]
    out = io.StringIO()
    call_command("import_plan", str(output), commune="ha-tu", stdout=out)
    assert _counts()[0] == plans_before + 1
    assert "Đã nhập kế hoạch" in out.getvalue()
    with scopes_disabled():
        copy = Plan.objects.filter(commune=plan.commune).exclude(pk=plan.pk).get()
        assert plan_data_export(plan=copy).as_dict() == plan_data_export(plan=plan).as_dict()

    call_command("import_plan", str(output), commune="ha-tu", into=copy.pk, stdout=io.StringIO())
    assert _counts()[0] == plans_before + 1


@pytest.mark.django_db
def test_import_command_prints_every_problem_and_fails(ba_ngoi: Plan, good: bytes, tmp_path: Path) -> None:
    def change(wb: Any) -> None:
        wb["Chỉ tiêu"]["D2"].value = "mười"
        wb["Nhiệm vụ"]["C4"].value = "Phòng Ma"

    bad = tmp_path / "sai.xlsx"
    bad.write_bytes(edit(good, change))
    before = _counts()
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 lỗi"):
        call_command("import_plan", str(bad), commune="ba-ngoi", stderr=err, stdout=io.StringIO())
    assert _counts() == before
    assert err.getvalue().splitlines() == [
        "Trang “Chỉ tiêu”, ô D2: “mười” không phải là số.",
        "Trang “Nhiệm vụ”, ô C4: Đơn vị “Phòng Ma” chưa có trong danh sách đơn vị của Phường Ba Ngòi.",
    ]


@pytest.mark.django_db
def test_import_command_refuses_a_plan_of_another_commune(demo: None, tmp_path: Path) -> None:
    other = _plan("ha-tu")
    output = tmp_path / "k.xlsx"
    call_command("export_plan", plan=_plan("ba-ngoi").pk, output=str(output), stdout=io.StringIO())
    with pytest.raises(CommandError, match="không có kế hoạch"):
        call_command("import_plan", str(output), commune="ba-ngoi", into=other.pk, stdout=io.StringIO())
    with pytest.raises(CommandError, match="Không có xã/phường"):
        call_command("import_plan", str(output), commune="khong-co", stdout=io.StringIO())


# --- Pages --------------------------------------------------------------------------------


def _client(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _upload(content: bytes, **extra: Any) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("ke-hoach.xlsx", content, content_type=XLSX_CONTENT_TYPE), **extra}


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["xem.bangoi", "tinh.khanhhoa", "admin.bangoi"])
def test_download_gives_the_plan_workbook(demo: None, username: str) -> None:
    plan = _plan("ba-ngoi")
    response = _client(username).get(reverse("plan_export_xlsx", kwargs={"plan_pk": plan.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert 'filename="ke-hoach-ba-ngoi-2026.xlsx"' in response["Content-Disposition"]
    assert plan_workbook_read(response.content).title == plan.title


@pytest.mark.django_db
def test_download_of_another_provinces_plan_is_404(demo: None) -> None:
    plan = _plan("ba-ngoi")
    for username in ("tinh.quangninh", "admin.hatu", "bc.bangoi.1"):
        response = _client(username).get(reverse("plan_export_xlsx", kwargs={"plan_pk": plan.pk}))
        assert response.status_code == 404, username


@pytest.mark.django_db
def test_upload_as_admin_creates_the_plan_and_redirects(ba_ngoi: Plan, good: bytes) -> None:
    client = _client("admin.bangoi")
    url = reverse("plan_import_xlsx", kwargs={"commune_code": "ba-ngoi"})
    page = client.get(url)
    assert page.status_code == 200 and "Tạo đơn vị mới nếu chưa có" in page.content.decode()
    before = _counts()[0]
    response = client.post(url, _upload(good))
    assert response.status_code == 302
    assert _counts()[0] == before + 1
    with scopes_disabled():
        new = Plan.objects.filter(commune=ba_ngoi.commune).order_by("-pk").first()
        assert new is not None and new.pk != ba_ngoi.pk
        assert plan_data_export(plan=new).as_dict() == plan_data_export(plan=ba_ngoi).as_dict()


@pytest.mark.django_db
def test_upload_of_a_bad_file_shows_every_problem_at_400(ba_ngoi: Plan, good: bytes) -> None:
    def change(wb: Any) -> None:
        wb["Chỉ tiêu"]["D2"].value = -5
        wb["Nhiệm vụ"]["C4"].value = "Phòng Ma"

    before = _counts()
    response = _client("admin.bangoi").post(
        reverse("plan_import_xlsx", kwargs={"commune_code": "ba-ngoi"}), _upload(edit(good, change)))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Trang “Chỉ tiêu”, ô D2" in body and "Chỉ tiêu không được âm." in body
    assert "Trang “Nhiệm vụ”, ô C4" in body and "Đơn vị “Phòng Ma” chưa có" in body
    assert "Tệp có 2 lỗi, chưa có gì được lưu." in body
    assert _counts() == before


@pytest.mark.django_db
def test_upload_of_a_non_excel_file_is_400(ba_ngoi: Plan) -> None:
    response = _client("admin.bangoi").post(
        reverse("plan_import_xlsx", kwargs={"commune_code": "ba-ngoi"}), _upload(b"khong phai excel"))
    assert response.status_code == 400
    assert "Tệp không phải là tệp Excel .xlsx." in response.content.decode()


@pytest.mark.django_db
def test_upload_page_is_for_the_communes_own_admin_only(demo: None) -> None:
    url = reverse("plan_import_xlsx", kwargs={"commune_code": "ba-ngoi"})
    for username in ("xem.bangoi", "tinh.khanhhoa", "admin.hatu", "bc.bangoi.1"):
        assert _client(username).get(url).status_code == 404, username


@pytest.mark.django_db
def test_reimport_page_replaces_a_draft(ba_ngoi: Plan, good: bytes) -> None:
    url = reverse("plan_reimport_xlsx", kwargs={"plan_pk": ba_ngoi.pk})
    client = _client("admin.bangoi")
    assert "sẽ được thay bằng nội dung trong tệp" in client.get(url).content.decode()
    response = client.post(url, _upload(edit(good, set_cell("Chỉ tiêu", "D5", 75))))
    assert response.status_code == 302
    assert Target.objects.get(plan=ba_ngoi, indicator__code="ADULTS_VNEID_CERTIFIED").value == Decimal(75)
    assert _client("xem.bangoi").get(url).status_code == 404


@pytest.mark.django_db
def test_reimport_page_refuses_an_issued_plan(ba_ngoi: Plan, good: bytes) -> None:
    Plan.objects.filter(pk=ba_ngoi.pk).update(status=PlanStatus.ISSUED)
    url = reverse("plan_reimport_xlsx", kwargs={"plan_pk": ba_ngoi.pk})
    client = _client("admin.bangoi")
    page = client.get(url)
    assert page.status_code == 200
    assert "Kế hoạch đã ban hành nên không thể thay nội dung bằng tệp Excel" in page.content.decode()
    assert 'type="file"' not in page.content.decode()
    response = client.post(url, _upload(edit(good, set_cell("Chỉ tiêu", "D5", 75))))
    assert response.status_code == 400
    assert "mọi thay đổi phải qua sửa đổi có ghi lý do" in response.content.decode()
    assert Target.objects.get(plan=ba_ngoi, indicator__code="ADULTS_VNEID_CERTIFIED").value == Decimal(70)


@pytest.mark.django_db
def test_action_links_snippet(ba_ngoi: Plan) -> None:
    from django.template.loader import render_to_string

    from campaigns.selectors.access import resolve_access

    admin = get_user_model().objects.get(username="admin.bangoi")
    viewer = get_user_model().objects.get(username="xem.bangoi")
    as_admin = render_to_string("campaigns/_plan_excel_actions.html",
                                {"plan": ba_ngoi, "access": resolve_access(admin)})
    as_viewer = render_to_string("campaigns/_plan_excel_actions.html",
                                 {"plan": ba_ngoi, "access": resolve_access(viewer)})
    export_url = reverse("plan_export_xlsx", kwargs={"plan_pk": ba_ngoi.pk})
    reimport_url = reverse("plan_reimport_xlsx", kwargs={"plan_pk": ba_ngoi.pk})
    assert export_url in as_admin and reimport_url in as_admin
    assert export_url in as_viewer and reimport_url not in as_viewer
