"""Partners API, reports and report files (G2 reports.md; C31-C39) and the PDF download outside /api/v1."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from apitwin.settings import Settings
from tests.partners.helpers import (DATETIME, assert_error, assert_not_found, assert_unauthorized, get_json, ids,
                                    reset_app)

REPORTS = "/api/v1/reports/"
FILES = "/api/v1/report-files/"
NO_CONSENT = "Customer consent date is not found."
NOT_REGISTERED = "Kit registration verification date is not found."
CATEGORIES = {"health-action-plan", "practitioner-summary", "supplements", "client-summary"}


@pytest.fixture
def app(settings: Settings) -> Any:
    return reset_app(settings)


# -- reports -------------------------------------------------------------------------------------------------------

def test_report_list(client: Any, auth: dict[str, str]) -> None:
    reports = get_json(client, REPORTS, auth)
    assert ids(reports) == [1, 2, 3, 4, 5, 6]
    for report in reports:
        assert set(report) >= {"id", "created_at", "modified_at", "customer", "client_id", "order", "order_item",
                               "status", "reason", "panel"}
        assert report["customer"] == report["client_id"]                      # C35
        assert report["status"] in {"pending", "AVAILABLE", "BLOCKED"}        # never report-ready (C31)
        assert (report["reason"] is not None) == (report["status"] == "BLOCKED")
        assert DATETIME.match(report["created_at"]) and DATETIME.match(report["modified_at"])
        assert "order_list" not in report


def test_seeded_report_states(client: Any, auth: dict[str, str]) -> None:
    by_id = {r["id"]: r for r in get_json(client, REPORTS, auth)}
    assert [by_id[i]["status"] for i in (1, 2)] == ["AVAILABLE", "AVAILABLE"]
    assert [(by_id[i]["status"], by_id[i]["reason"]) for i in (3, 4)] == [("BLOCKED", NOT_REGISTERED)] * 2
    assert (by_id[5]["status"], by_id[5]["reason"]) == ("BLOCKED", NO_CONSENT)
    assert by_id[6]["status"] == "pending"
    assert by_id[1]["order"] == 101 and by_id[1]["panel"]["sku"] == "cardiometabolic-1"
    assert by_id[1]["panel"]["name"] == "Cardiometabolic Panel"


def test_get_report_by_id(client: Any, auth: dict[str, str]) -> None:
    for report in get_json(client, REPORTS, auth):
        assert get_json(client, f"{REPORTS}{report['id']}/", auth) == report
    assert_not_found(client.get(f"{REPORTS}999999/", headers=auth))


@pytest.mark.parametrize("customer,expected", [(319, [1, 2]), (320, [3, 4]), (321, [5]), (322, [6]), (323, []),
                                               (500, []), (999999, [])])
def test_the_three_customer_filters_agree(client: Any, auth: dict[str, str], customer: int,
                                          expected: list[int]) -> None:
    results = [get_json(client, REPORTS, auth, **{name: customer}) for name in ("customer_id", "client_id", "customer")]
    assert all(ids(r) == expected for r in results), results
    assert results[0] == results[1] == results[2]


def test_same_value_in_two_filters_is_fine(client: Any, auth: dict[str, str]) -> None:
    assert ids(get_json(client, REPORTS, auth, customer_id=319, client_id=319, customer=319)) == [1, 2]


@pytest.mark.parametrize("params", [{"customer_id": 319, "client_id": 320}, {"customer_id": 319, "customer": 320},
                                    {"client_id": 319, "customer": 320}])
def test_different_customers_in_two_filters_select_nothing(client: Any, auth: dict[str, str],
                                                            params: dict[str, int]) -> None:
    """django-filter applies every filter given (AND): two customers at once match no report (C34)."""
    assert get_json(client, REPORTS, auth, **params) == []
    page = get_json(client, REPORTS, auth, **params, page=1)
    assert page["count"] == 0 and page["results"] == []


def test_bad_filter_value(client: Any, auth: dict[str, str]) -> None:
    assert_error(client.get(REPORTS, params={"customer_id": "jon"}, headers=auth), 400, fields=["customer_id"])


def test_unknown_filter(client: Any, auth: dict[str, str]) -> None:
    assert_error(client.get(REPORTS, params={"status": "AVAILABLE"}, headers=auth), 400, fields=["status"])


# -- report files --------------------------------------------------------------------------------------------------

def test_available_reports_have_files_and_others_have_none(client: Any, auth: dict[str, str]) -> None:
    for report in get_json(client, REPORTS, auth):
        files = get_json(client, FILES, auth, report_id=report["id"])
        if report["status"] == "AVAILABLE":
            assert files, report
        else:
            assert files == [], report


def test_report_file_list(client: Any, auth: dict[str, str]) -> None:
    files = get_json(client, FILES, auth)
    assert ids(files) == [1, 2, 3, 4]
    for item in files:
        assert set(item) >= {"id", "report", "created_at", "category", "download_link"}
        assert item["category"] in CATEGORIES
        assert DATETIME.match(item["created_at"])
        assert "report_id" not in item                                         # C38


def test_report_file_filter(client: Any, auth: dict[str, str]) -> None:
    files = get_json(client, FILES, auth, report_id=1)
    assert ids(files) == [1, 2] and all(f["report"] == 1 for f in files)
    assert {f["category"] for f in files} == {"health-action-plan", "practitioner-summary"}
    assert ids(get_json(client, FILES, auth, report_id=2)) == [3, 4]
    assert get_json(client, FILES, auth, report_id=999999) == []


def test_report_file_filter_is_called_report_id(client: Any, auth: dict[str, str]) -> None:
    assert_error(client.get(FILES, params={"report": 1}, headers=auth), 400, fields=["report"])


def test_download_link_is_absolute_and_built_from_the_files_own_id(client: Any, auth: dict[str, str]) -> None:
    for item in get_json(client, FILES, auth):
        link = urlsplit(item["download_link"])
        assert link.scheme in ("http", "https") and link.netloc
        assert link.path == f"/report-files/{item['id']}/download/"
        assert item["download_link"].endswith(f"/report-files/{item['id']}/download/")


def test_get_report_file_by_id(client: Any, auth: dict[str, str]) -> None:
    for item in get_json(client, FILES, auth):
        assert get_json(client, f"{FILES}{item['id']}/", auth) == item
    assert_not_found(client.get(f"{FILES}999999/", headers=auth))


@pytest.mark.parametrize("prefix", ["JWT", "Bearer"])
def test_download_serves_a_pdf(client: Any, login: Any, prefix: str) -> None:
    headers = {"Authorization": f"{prefix} {login()}"}
    item = client.get(f"{FILES}1/", headers=headers).json()
    response = client.get(urlsplit(item["download_link"]).path, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response.content.rstrip().endswith(b"%%EOF")
    assert response.headers.get("content-disposition", "").startswith("attachment")


def test_download_by_the_absolute_link(client: Any, auth: dict[str, str]) -> None:
    item = get_json(client, f"{FILES}3/", auth)
    response = client.get(item["download_link"], headers=auth)
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")


def test_download_without_a_token_is_401(client: Any) -> None:
    assert_unauthorized(client.get("/report-files/1/download/"))


def test_download_with_a_bad_token_is_401(client: Any) -> None:
    assert_unauthorized(client.get("/report-files/1/download/", headers={"Authorization": "JWT not.a.token"}))


def test_download_of_an_unknown_file_is_404(client: Any, auth: dict[str, str]) -> None:
    assert_not_found(client.get("/report-files/999999/download/", headers=auth))


def test_download_of_another_partners_file_is_404(client: Any, acme_auth: dict[str, str]) -> None:
    assert_not_found(client.get("/report-files/1/download/", headers=acme_auth))
    assert_not_found(client.get(f"{FILES}1/", headers=acme_auth))


def test_download_is_not_under_api_v1(client: Any, auth: dict[str, str]) -> None:
    assert_not_found(client.get("/api/v1/report-files/1/download/", headers=auth))


def test_download_rejects_unknown_query_parameters(client: Any, auth: dict[str, str]) -> None:
    assert_error(client.get("/report-files/1/download/", params={"inline": 1}, headers=auth), 400, fields=["inline"])
