#!/usr/bin/env python3
"""Một quý của cả tỉnh thành một tệp CSV, qua API của cổng "Bình dân học vụ số".

Chỉ dùng thư viện chuẩn của Python (3.9+): urllib, csv, json, argparse.

Cách dùng (chuyên viên tỉnh, với mã truy cập cá nhân tạo tại trang "Mã truy cập API"):

    export BDH_API_TOKEN=bdh_...
    python3 province_quarter_csv.py --base-url https://bdhvs.example.vn \\
        --province 42 --year 2026 --quarter 1 --out ha-tinh-2026-q1.csv --pdf-dir pdf/

Tệp CSV (UTF-8 có BOM, mở thẳng bằng Excel) có một dòng cho mỗi xã/phường × chỉ số: số liệu
quý, lũy kế năm, chỉ tiêu, tỷ lệ đạt, tình trạng, và mức đầy đủ, đúng hạn của báo cáo đơn vị
trong xã. Xã chưa có số liệu tổng hợp vẫn có một dòng (các cột chỉ số để trống), để thấy ngay
xã nào còn thiếu. Với --pdf-dir, tải thêm PDF của mọi báo cáo tổng hợp đã ban hành của quý.

Mã thoát: 0 xong hết; 1 lỗi (mã truy cập, tham số, mạng…); 2 CSV đã ghi nhưng còn PDF chưa
tạo xong (chạy lại sau ít phút).

(Comments and names in English, as in the portal's code; messages in Vietnamese.)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

API_PREFIX = "/api/v1"
# Reports whose PDF is the issued one (a returned report was issued too, then sent back).
ISSUED_STATES = ("issued", "acknowledged", "returned")
COLUMNS = (
    ("commune", "Mã xã"),
    ("commune_name", "Xã/phường"),
    ("indicator", "Mã chỉ số"),
    ("indicator_name", "Chỉ số"),
    ("value", "Giá trị quý"),
    ("ytd", "Lũy kế năm"),
    ("target", "Chỉ tiêu năm"),
    ("expected", "Mức cần đạt"),
    ("achievement", "Tỷ lệ đạt (%)"),
    ("status", "Tình trạng"),
    ("units_reported", "Đơn vị đã báo cáo (chỉ số)"),
    ("units_expected", "Đơn vị phải báo cáo (chỉ số)"),
    ("reports_expected", "Báo cáo đơn vị phải nộp"),
    ("reports_received", "Báo cáo đơn vị đã nộp"),
    ("reports_on_time", "Nộp đúng hạn"),
    ("completeness", "Đầy đủ (%)"),
    ("timeliness", "Đúng hạn (%)"),
)


class ApiError(Exception):
    """An answer the script cannot go on with; the message is for the user."""


class Client:
    """GET requests with the personal token; waits and retries when throttled (429)."""

    def __init__(self, base_url: str, token: str, *, max_wait: float, attempts: int) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.max_wait = max_wait
        self.attempts = attempts

    def url(self, path: str, **query: Any) -> str:
        params = {k: v for k, v in query.items() if v is not None}
        return f"{self.base_url}{API_PREFIX}{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")

    def get(self, url: str) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body of a GET; raises ApiError on an error answer."""
        # A link the API gave (next, document_url) may be relative to the portal.
        url = urllib.parse.urljoin(self.base_url + "/", url)
        request = urllib.request.Request(url, headers={  # noqa: S310 (http/https only, checked in main)
            "Authorization": f"Bearer {self.token}", "Accept": "application/json, application/pdf"})
        for attempt in range(1, self.attempts + 1):
            try:
                with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                    return response.status, dict(response.headers.items()), response.read()
            except urllib.error.HTTPError as error:
                body = error.read()
                if error.code == 429 and attempt < self.attempts:
                    self.wait(error.headers.get("Retry-After"))
                    continue
                raise ApiError(f"{error.code} {url}: {_detail(body)}") from None
            except urllib.error.URLError as error:
                raise ApiError(f"Không kết nối được tới {url}: {error.reason}") from None
        raise ApiError(f"Quá nhiều yêu cầu tới {url}, hãy thử lại sau.")

    def json(self, url: str) -> Any:
        _status, _headers, body = self.get(url)
        return json.loads(body)

    def pages(self, url: str) -> Iterator[dict[str, Any]]:
        """Every row of a cursor-paginated list, following the ``next`` links."""
        next_url: str | None = url
        while next_url:
            page = self.json(next_url)
            yield from page["results"]
            next_url = page["next"]

    def wait(self, retry_after: str | None) -> None:
        try:
            seconds = float(retry_after) if retry_after else 1.0
        except ValueError:
            seconds = 1.0
        time.sleep(max(0.0, min(seconds, self.max_wait)))


def _detail(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace")
    return data.get("detail", json.dumps(data, ensure_ascii=False)) if isinstance(data, dict) else str(data)


def province_rows(client: Client, *, province: str, year: int, quarter: int,
                  page_size: int) -> list[dict[str, Any]]:
    """One CSV row per commune × indicator, plus one row per commune without figures."""
    completeness = {c["commune"]: c for c in client.json(client.url(
        "/completeness/", province=province, year=year, quarter=quarter))}
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for rollup in client.pages(client.url("/rollups/communes/", province=province, year=year,
                                          quarter=quarter, page_size=page_size)):
        seen.add(rollup["commune"])
        rows.append({
            "commune": rollup["commune"], "commune_name": rollup["commune_name"],
            "indicator": rollup["indicator"], "indicator_name": rollup["indicator_name"],
            "value": rollup["value"], "ytd": rollup["ytd_value"], "target": rollup["target"],
            "expected": rollup["expected"], "achievement": rollup["achievement"], "status": rollup["status"],
            "units_reported": rollup["units_reported"], "units_expected": rollup["units_expected"],
        })
    rows += [{"commune": code, "commune_name": c["commune_name"]}
             for code, c in completeness.items() if code not in seen]
    for row in rows:
        tally = completeness.get(row["commune"], {})
        row.update(reports_expected=tally.get("expected"), reports_received=tally.get("received"),
                   reports_on_time=tally.get("on_time"), completeness=tally.get("completeness"),
                   timeliness=tally.get("timeliness"))
    # Communes in code order; a commune's indicators in the API's order.
    order = {code: n for n, code in enumerate(sorted({row["commune"] for row in rows}))}
    return sorted(rows, key=lambda row: order[row["commune"]])


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig") as out:  # the BOM: Excel reads UTF-8
        writer = csv.writer(out)
        writer.writerow([key for key, _label in COLUMNS])
        for row in rows:
            writer.writerow(["" if row.get(key) is None else row[key] for key, _label in COLUMNS])


def download_pdfs(client: Client, directory: Path, *, province: str, year: int, quarter: int,
                  page_size: int) -> list[str]:
    """Each issued commune report's PDF; returns the reports whose PDF is still being made."""
    directory.mkdir(parents=True, exist_ok=True)
    pending = []
    for report in client.pages(client.url("/commune-reports/", province=province, year=year,
                                          quarter=quarter, page_size=page_size)):
        if report["state"] not in ISSUED_STATES:
            continue
        target = directory / f"{report['commune']}-{year}-q{quarter}.pdf"
        for attempt in range(1, client.attempts + 1):
            status, headers, body = client.get(report["document_url"])
            if status == 200:
                target.write_bytes(body)
                break
            # 202: the portal is rendering the file; ask again after Retry-After seconds.
            if attempt < client.attempts:
                client.wait(headers.get("Retry-After"))
        else:
            pending.append(report["commune"])
            print(f"Chưa tải được PDF báo cáo của {report['commune_name']}: tệp đang được tạo, "
                  "hãy chạy lại sau ít phút.", file=sys.stderr)
    return pending


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Số liệu một quý của cả tỉnh thành một tệp CSV.")
    parser.add_argument("--base-url", required=True, help="Địa chỉ cổng, ví dụ https://bdhvs.example.vn")
    parser.add_argument("--token", default=os.environ.get("BDH_API_TOKEN"),
                        help="Mã truy cập cá nhân (mặc định: biến môi trường BDH_API_TOKEN)")
    parser.add_argument("--province", required=True, help="Mã tỉnh")
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--quarter", type=int, required=True, choices=(1, 2, 3, 4))
    parser.add_argument("--out", type=Path, required=True, help="Tệp CSV ghi ra")
    parser.add_argument("--pdf-dir", type=Path, help="Tải PDF các báo cáo tổng hợp đã ban hành vào thư mục này")
    parser.add_argument("--page-size", type=int, default=1000, help="Số dòng mỗi trang khi đọc API (1–1000)")
    parser.add_argument("--max-wait", type=float, default=30.0,
                        help="Chờ lâu nhất bao nhiêu giây mỗi lần được bảo gọi lại (Retry-After)")
    parser.add_argument("--attempts", type=int, default=10, help="Số lần thử mỗi yêu cầu (429, PDF đang tạo)")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("thiếu mã truy cập: --token hoặc biến môi trường BDH_API_TOKEN")
    if urllib.parse.urlsplit(args.base_url).scheme not in ("http", "https"):
        parser.error("--base-url phải bắt đầu bằng https:// (hoặc http://)")

    client = Client(args.base_url, args.token, max_wait=args.max_wait, attempts=max(1, args.attempts))
    where = {"province": args.province, "year": args.year, "quarter": args.quarter, "page_size": args.page_size}
    try:
        rows = province_rows(client, **where)
        write_csv(args.out, rows)
        print(f"Đã ghi {len(rows)} dòng vào {args.out}", file=sys.stderr)
        pending = download_pdfs(client, args.pdf_dir, **where) if args.pdf_dir else []
    except ApiError as error:
        print(f"Lỗi: {error}", file=sys.stderr)
        return 1
    return 2 if pending else 0


if __name__ == "__main__":
    sys.exit(main())
