"""The national standard indicator library (Quyết định 757/QĐ-BKHCN groups and the seeds).

Provinces compare communes on these codes, so a code never changes meaning. Loaded by a data
migration and kept in sync by ``indicator_library_sync`` (idempotent). Layer: data of the
targets app, below its models' users (the synthetic data reads it too).
"""

from __future__ import annotations

from typing import Any

STANDARD_INDICATORS: list[dict[str, Any]] = [
    {"code": "CBCCVC_DIGITAL_SKILLS", "target_group": "cbccvc", "measure": "percent", "time_aggregation": "latest", "is_key": True,
     "name": "Tỷ lệ cán bộ, công chức, viên chức và người lao động trong cơ quan nhà nước có kiến thức, kỹ năng số, sử dụng được nền tảng số phục vụ công việc",
     "short_name": "CBCCVC có kỹ năng số",
     "numerator_label": "Số CBCCVC, người lao động có kỹ năng số", "denominator_label": "Tổng số CBCCVC, người lao động", "unit_of_measure": "%"},
    {"code": "CBCCVC_BASIC_COURSE", "target_group": "cbccvc", "measure": "percent", "time_aggregation": "latest", "is_key": False,
     "name": "Tỷ lệ cán bộ, công chức, viên chức hoàn thành khóa học cơ bản về chuyển đổi số trên nền tảng binhdanhocvuso.gov.vn",
     "short_name": "CBCCVC hoàn thành khóa học cơ bản",
     "numerator_label": "Số CBCCVC đã hoàn thành khóa học", "denominator_label": "Tổng số CBCCVC", "unit_of_measure": "%"},
    {"code": "STUDENTS_DIGITAL_SKILLS", "target_group": "students", "measure": "percent", "time_aggregation": "latest", "is_key": True,
     "name": "Tỷ lệ học sinh từ cấp tiểu học trở lên được trang bị kiến thức, kỹ năng số",
     "short_name": "Học sinh có kỹ năng số",
     "numerator_label": "Số học sinh được trang bị kỹ năng số", "denominator_label": "Tổng số học sinh", "unit_of_measure": "%"},
    {"code": "STUDENTS_SECONDARY_DIGITAL_SKILLS", "target_group": "students", "measure": "percent", "time_aggregation": "latest", "is_key": False,
     "name": "Tỷ lệ học sinh trung học được trang bị kiến thức, kỹ năng số",
     "short_name": "Học sinh trung học có kỹ năng số",
     "numerator_label": "Số học sinh trung học được trang bị kỹ năng số", "denominator_label": "Tổng số học sinh trung học", "unit_of_measure": "%"},
    {"code": "ADULTS_DIGITAL_SKILLS", "target_group": "adults", "measure": "percent", "time_aggregation": "latest", "is_key": True,
     "name": "Tỷ lệ người dân trưởng thành có kiến thức cơ bản về chuyển đổi số, kỹ năng số",
     "short_name": "Người dân có kỹ năng số cơ bản",
     "numerator_label": "Số người trưởng thành có kỹ năng số cơ bản", "denominator_label": "Dân số trưởng thành", "unit_of_measure": "%"},
    {"code": "ADULTS_VNEID_CERTIFIED", "target_group": "adults", "measure": "percent", "time_aggregation": "latest", "is_key": True,
     "name": "Tỷ lệ người dân trưởng thành được xác nhận đạt phổ cập tri thức, kỹ năng số trên nền tảng VNeID",
     "short_name": "Người dân được xác nhận trên VNeID",
     "numerator_label": "Số người được xác nhận trên VNeID", "denominator_label": "Dân số trưởng thành", "unit_of_measure": "%"},
    {"code": "WORKERS_DIGITAL_SKILLS", "target_group": "workers", "measure": "percent", "time_aggregation": "latest", "is_key": True,
     "name": "Tỷ lệ người lao động trong doanh nghiệp, hợp tác xã có kiến thức, kỹ năng số",
     "short_name": "Người lao động doanh nghiệp có kỹ năng số",
     "numerator_label": "Số người lao động có kỹ năng số", "denominator_label": "Tổng số người lao động", "unit_of_measure": "%"},
    {"code": "ADULTS_SMARTPHONE", "target_group": "adults", "measure": "percent", "time_aggregation": "latest", "is_key": False,
     "name": "Tỷ lệ người trưởng thành sở hữu điện thoại thông minh",
     "short_name": "Người trưởng thành có điện thoại thông minh",
     "numerator_label": "Số người có điện thoại thông minh", "denominator_label": "Dân số trưởng thành", "unit_of_measure": "%"},
    {"code": "HOUSEHOLDS_DIGITAL_MEMBER", "target_group": "households", "measure": "percent", "time_aggregation": "latest", "is_key": True,
     "name": "Tỷ lệ hộ gia đình có ít nhất một thành viên có kỹ năng số (Gia đình số)",
     "short_name": "Hộ gia đình số",
     "numerator_label": "Số hộ có thành viên có kỹ năng số", "denominator_label": "Tổng số hộ", "unit_of_measure": "%"},
    {"code": "CITIZENS16_DIGITAL_ID", "target_group": "adults", "measure": "percent", "time_aggregation": "latest", "is_key": False,
     "name": "Tỷ lệ công dân từ 16 tuổi trở lên có danh tính số (VNeID)",
     "short_name": "Công dân từ 16 tuổi có danh tính số",
     "numerator_label": "Số công dân có danh tính số", "denominator_label": "Số công dân từ 16 tuổi", "unit_of_measure": "%"},
    {"code": "NEWS_ARTICLES", "target_group": "other", "measure": "count", "time_aggregation": "sum", "is_key": False,
     "name": "Số tin, bài tuyên truyền về Phong trào đăng trên trang thông tin điện tử, mạng xã hội",
     "short_name": "Tin, bài tuyên truyền", "unit_of_measure": "tin, bài"},
    {"code": "BROADCASTS", "target_group": "other", "measure": "count", "time_aggregation": "sum", "is_key": False,
     "name": "Số lần phát thanh tuyên truyền trên hệ thống truyền thanh cơ sở",
     "short_name": "Lượt phát thanh", "unit_of_measure": "lần"},
    {"code": "CONFERENCES", "target_group": "other", "measure": "count", "time_aggregation": "sum", "is_key": False,
     "name": "Số hội nghị, tập huấn, tọa đàm về chuyển đổi số, kỹ năng số",
     "short_name": "Hội nghị, tập huấn", "unit_of_measure": "hội nghị"},
    {"code": "COMMUNITY_CLASSES", "target_group": "other", "measure": "count", "time_aggregation": "sum", "is_key": False,
     "name": "Số buổi học, lớp học số cộng đồng đã tổ chức",
     "short_name": "Buổi học cộng đồng", "unit_of_measure": "buổi"},
    {"code": "PARTICIPANTS", "target_group": "other", "measure": "count", "time_aggregation": "sum", "is_key": False,
     "name": "Số lượt người tham gia các lớp, buổi học, hội nghị",
     "short_name": "Lượt người tham gia", "unit_of_measure": "lượt người"},
    {"code": "MENTORS", "target_group": "other", "measure": "level", "time_aggregation": "latest", "is_key": False,
     "name": "Số người hướng dẫn (mentor) đang hoạt động",
     "short_name": "Người hướng dẫn (mentor)", "unit_of_measure": "người"},
    {"code": "MENTEES", "target_group": "other", "measure": "level", "time_aggregation": "latest", "is_key": False,
     "name": "Số người được hướng dẫn (mentee)",
     "short_name": "Người được hướng dẫn (mentee)", "unit_of_measure": "người"},
    {"code": "VOLUNTEER_TEAMS", "target_group": "other", "measure": "level", "time_aggregation": "latest", "is_key": False,
     "name": "Số đội hình “Bình dân học vụ số” của Đoàn, Hội",
     "short_name": "Đội hình Bình dân học vụ số", "unit_of_measure": "đội hình"},
]


def indicator_library_sync(indicator_model: Any) -> int:
    """Upsert the standard indicators; works with the real or a migration's historical model."""
    for order, spec in enumerate(STANDARD_INDICATORS, start=1):
        defaults = {
            "name": spec["name"], "short_name": spec["short_name"],
            "target_group": spec["target_group"], "measure": spec["measure"],
            "numerator_label": spec.get("numerator_label", ""),
            "denominator_label": spec.get("denominator_label", ""),
            "unit_of_measure": spec["unit_of_measure"], "decimals": 1 if spec["measure"] == "percent" else 0,
            "time_aggregation": spec["time_aggregation"],
            "is_key": spec["is_key"], "order": order, "is_active": True,
        }
        manager = indicator_model._base_manager
        updated = manager.filter(commune__isnull=True, code=spec["code"]).update(**defaults)
        if not updated:
            manager.create(commune=None, code=spec["code"], **defaults)
    return len(STANDARD_INDICATORS)
