"""Partners API, kits (G2 kits.md; C29, C43) and customer kit registrations (G2 kit-registration.md; C40, C41)."""
from __future__ import annotations

from typing import Any

import pytest

from apitwin.settings import Settings
from tests.partners.helpers import (DATETIME, assert_error, assert_not_found, create_customer, create_shipment,
                                    get_json, ids, parse_dt, reset_app, utc_now_floor)

KITS = "/api/v1/kits/"
REGS = "/api/v1/customer-kit-registrations/"
KIT_STATUSES = {"KIT_SHIPPED", "KIT_RECEIVED", "KIT_PROCESSING", "KIT_FAILED", "KIT_LOST", "DATA_AVAILABLE"}


@pytest.fixture
def app(settings: Settings) -> Any:
    return reset_app(settings)


def patch(client: Any, auth: dict[str, str], registration_id: int, body: Any) -> Any:
    return client.patch(f"{REGS}{registration_id}/", json=body, headers=auth)


# -- kits ----------------------------------------------------------------------------------------------------------

def test_kit_list(client: Any, auth: dict[str, str]) -> None:
    kits = get_json(client, KITS, auth)
    assert ids(kits) == [1, 2, 3, 4, 5, 6]
    for kit in kits:
        assert set(kit) >= {"id", "shipment", "barcode", "sku", "status", "created_at", "modified_at"}
        assert kit["status"] in KIT_STATUSES
        assert isinstance(kit["shipment"], int) and kit["barcode"]
        assert DATETIME.match(kit["created_at"]) and DATETIME.match(kit["modified_at"])
    assert len({k["barcode"] for k in kits}) == len(kits)


@pytest.mark.parametrize("status,expected", [
    ("DATA_AVAILABLE", [1, 2, 3]),
    ("KIT_FAILED", [4]),
    ("KIT_PROCESSING", [5]),
    ("SAMPLE_IN_PROCESS", [5]),      # G2 spelling (C29)
    ("KIT_UNUSABLE", [4]),           # G2 spelling (C29)
    ("KIT_SHIPPED", [6]),
    ("KIT_RECEIVED", []),
    ("KIT_LOST", []),
])
def test_kit_status_filter(client: Any, auth: dict[str, str], status: str, expected: list[int]) -> None:
    kits = get_json(client, KITS, auth, status=status)
    assert ids(kits) == expected
    emitted = {"SAMPLE_IN_PROCESS": "KIT_PROCESSING", "KIT_UNUSABLE": "KIT_FAILED"}.get(status, status)
    assert all(k["status"] == emitted for k in kits)


def test_kit_status_filter_rejects_unknown_values(client: Any, auth: dict[str, str]) -> None:
    assert_error(client.get(KITS, params={"status": "kit_shipped"}, headers=auth), 400, fields=["status"])


def test_kit_shipment_filter(client: Any, auth: dict[str, str]) -> None:
    assert ids(get_json(client, KITS, auth, shipment=73)) == [4, 5]
    assert ids(get_json(client, KITS, auth, shipment=73, status="KIT_FAILED")) == [4]
    assert get_json(client, KITS, auth, shipment=999999) == []


def test_get_kit_by_id(client: Any, auth: dict[str, str]) -> None:
    listed = {k["id"]: k for k in get_json(client, KITS, auth)}
    for kit_id, kit in listed.items():
        assert get_json(client, f"{KITS}{kit_id}/", auth) == kit


def test_failed_kit_has_a_reason_and_others_do_not(client: Any, auth: dict[str, str]) -> None:
    failed = get_json(client, f"{KITS}4/", auth)
    assert failed["status"] == "KIT_FAILED" and failed["reason"] == "Not enough DNA was extracted."
    for kit in get_json(client, KITS, auth):
        if kit["status"] != "KIT_FAILED":
            assert kit.get("reason") is None


def test_unknown_kit_is_404(client: Any, auth: dict[str, str]) -> None:
    assert_not_found(client.get(f"{KITS}999999/", headers=auth))


def test_kits_are_read_only(client: Any, auth: dict[str, str]) -> None:
    assert_error(client.post(KITS, json={"barcode": "MK1000088111"}, headers=auth), 405)


def test_kit_paging_keeps_filters_in_links(client: Any, auth: dict[str, str]) -> None:
    page = get_json(client, KITS, auth, status="DATA_AVAILABLE", page_size=2)
    assert page["count"] == 3 and ids(page["results"]) == [1, 2]
    assert "status=DATA_AVAILABLE" in page["next"] and "page=2" in page["next"]
    rest = client.get(page["next"], headers=auth).json()
    assert ids(rest["results"]) == [3]


# -- registrations -------------------------------------------------------------------------------------------------

def test_registration_list(client: Any, auth: dict[str, str]) -> None:
    registrations = get_json(client, REGS, auth)
    assert ids(registrations) == [1, 2, 3, 4, 5, 6]
    for registration in registrations:
        assert set(registration) == {"id", "created_at", "modified_at", "customer", "kit", "verification_date"}
        assert isinstance(registration["kit"], str) and registration["kit"].isdigit()
        assert isinstance(registration["customer"], int)
    assert get_json(client, f"{REGS}1/", auth)["verification_date"] == "2019-10-04T09:00:00+00:00"
    assert get_json(client, f"{REGS}2/", auth)["verification_date"] is None


def test_registration_kit_is_the_kit_of_the_customers_shipment(client: Any, auth: dict[str, str]) -> None:
    for registration in get_json(client, REGS, auth):
        kit = get_json(client, f"{KITS}{registration['kit']}/", auth)
        shipment = get_json(client, f"/api/v1/customer-shipments/{kit['shipment']}/", auth)
        assert shipment["customer_id"] == registration["customer"]


def test_registration_filter_by_customer(client: Any, auth: dict[str, str]) -> None:
    assert ids(get_json(client, REGS, auth, customer=322)) == [4, 5]
    assert ids(get_json(client, REGS, auth, customer=319)) == [1]
    assert get_json(client, REGS, auth, customer=500) == []
    customer = create_customer(client, auth)
    assert get_json(client, REGS, auth, customer=customer["id"]) == []
    create_shipment(client, auth, customer["id"], quantity=2)
    assert len(get_json(client, REGS, auth, customer=customer["id"])) == 2


def test_registration_filter_is_called_customer(client: Any, auth: dict[str, str]) -> None:
    assert_error(client.get(REGS, params={"customer_id": 319}, headers=auth), 400, fields=["customer_id"])


def test_patch_with_a_date_time(client: Any, auth: dict[str, str]) -> None:
    before = get_json(client, f"{REGS}6/", auth)
    started = utc_now_floor()
    response = patch(client, auth, 6, {"verification_date": "2019-11-24T10:00:00+00:00"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verification_date"] == "2019-11-24T10:00:00+00:00"
    assert {k: body[k] for k in ("id", "created_at", "customer", "kit")} == \
        {k: before[k] for k in ("id", "created_at", "customer", "kit")}
    assert body["modified_at"] != before["modified_at"] and parse_dt(body["modified_at"]) >= started
    assert get_json(client, f"{REGS}6/", auth) == body


@pytest.mark.parametrize("value,stored", [
    ("2019-11-24", "2019-11-24T00:00:00+00:00"),               # a date is midnight UTC (C40)
    ("2019-11-24T10:00:00Z", "2019-11-24T10:00:00+00:00"),
    ("2019-11-24T12:00:00+02:00", "2019-11-24T10:00:00+00:00"),
    ("2019-11-24T10:00:00.750+00:00", "2019-11-24T10:00:00+00:00"),
])
def test_patch_accepts_dates_and_date_times_and_answers_utc(client: Any, auth: dict[str, str], value: str,
                                                            stored: str) -> None:
    response = patch(client, auth, 6, {"verification_date": value})
    assert response.status_code == 200, response.text
    assert response.json()["verification_date"] == stored


@pytest.mark.parametrize("value", ["2019-11-24 10:00:00", "2019-11-24T10:00:00", "2019-11-24 10:00:00+00:00"])
def test_patch_accepts_the_lenient_date_time_forms(client: Any, auth: dict[str, str], value: str) -> None:
    response = patch(client, auth, 6, {"verification_date": value})
    assert response.status_code == 200, response.text
    assert response.json()["verification_date"] == "2019-11-24T10:00:00+00:00"


def test_patch_date_with_a_positive_offset_is_midnight_there_or_refused(client: Any, auth: dict[str, str]) -> None:
    response = patch(client, auth, 6, {"verification_date": "2019-11-24+02:00"})
    if response.status_code == 200:
        assert response.json()["verification_date"] == "2019-11-23T22:00:00+00:00", response.text
    else:
        assert_error(response, 400, fields=["verification_date"])


def test_patch_null_clears_the_verification(client: Any, auth: dict[str, str]) -> None:
    assert get_json(client, f"{REGS}1/", auth)["verification_date"] is not None
    response = patch(client, auth, 1, {"verification_date": None})
    assert response.status_code == 200, response.text
    assert response.json()["verification_date"] is None
    assert get_json(client, f"{REGS}1/", auth)["verification_date"] is None


@pytest.mark.parametrize("value", ["garbage", "2019-13-01", "2019-02-30", "24/11/2019", 20191124, True, ""])
def test_patch_with_garbage_is_a_field_error(client: Any, auth: dict[str, str], value: Any) -> None:
    before = get_json(client, f"{REGS}6/", auth)
    assert_error(patch(client, auth, 6, {"verification_date": value}), 400, fields=["verification_date"])
    assert get_json(client, f"{REGS}6/", auth) == before


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00"])
def test_patch_with_an_out_of_range_date_time_is_a_field_error(client: Any, auth: dict[str, str],
                                                               value: str) -> None:
    assert_error(patch(client, auth, 6, {"verification_date": value}), 400, fields=["verification_date"])


def test_patch_without_verification_date_is_400(client: Any, auth: dict[str, str]) -> None:
    body = assert_error(patch(client, auth, 6, {}), 400, fields=["verification_date"])
    assert body["errors"]["verification_date"] == ["This field is required."]


def test_patch_ignores_other_fields(client: Any, auth: dict[str, str]) -> None:
    before = get_json(client, f"{REGS}6/", auth)
    body = patch(client, auth, 6, {"verification_date": "2019-11-24", "customer": 319, "kit": "1",
                                   "created_at": "2000-01-01T00:00:00+00:00"}).json()
    assert (body["customer"], body["kit"], body["created_at"]) == (before["customer"], before["kit"],
                                                                   before["created_at"])


def test_patch_unknown_registration_is_404(client: Any, auth: dict[str, str]) -> None:
    assert_not_found(patch(client, auth, 999999, {"verification_date": "2019-11-24"}))


def test_patch_needs_json(client: Any, auth: dict[str, str]) -> None:
    response = client.patch(f"{REGS}6/", content=b"verification_date=2019-11-24",
                            headers={**auth, "Content-Type": "application/x-www-form-urlencoded"})
    assert_error(response, 415)


def test_get_registration_by_id_and_404(client: Any, auth: dict[str, str]) -> None:
    for registration in get_json(client, REGS, auth):
        assert get_json(client, f"{REGS}{registration['id']}/", auth) == registration
    assert_not_found(client.get(f"{REGS}999999/", headers=auth))


def test_verifying_a_ready_kit_releases_the_blocked_reports(client: Any, auth: dict[str, str]) -> None:
    """Sansa (320): kit DATA_AVAILABLE, never registered, reports BLOCKED; verifying makes them AVAILABLE with
    files and a report.updated event each."""
    reports = get_json(client, "/api/v1/reports/", auth, customer_id=320)
    assert {r["status"] for r in reports} == {"BLOCKED"}
    last_event = get_json(client, "/api/v1/events/", auth)[-1]["id"]
    (registration,) = get_json(client, REGS, auth, customer=320)
    assert patch(client, auth, registration["id"], {"verification_date": "2019-11-24"}).status_code == 200
    reports = get_json(client, "/api/v1/reports/", auth, customer_id=320)
    assert {r["status"] for r in reports} == {"AVAILABLE"} and all(r["reason"] is None for r in reports)
    for report in reports:
        assert get_json(client, "/api/v1/report-files/", auth, report_id=report["id"])
    new_events = [e for e in get_json(client, "/api/v1/events/", auth) if e["id"] > last_event]
    assert sorted(e["data"]["report"]["id"] for e in new_events) == sorted(ids(reports))
    assert all(e["type"] == "report.updated" and e["data"]["report"]["status"] == "AVAILABLE" for e in new_events)


def test_verification_does_not_lift_a_consent_block(client: Any, auth: dict[str, str]) -> None:
    """Arya (321) has a verified, data-ready kit but no consent: her report stays BLOCKED for consent."""
    (registration,) = get_json(client, REGS, auth, customer=321)
    assert patch(client, auth, registration["id"], {"verification_date": "2019-12-01"}).status_code == 200
    (report,) = get_json(client, "/api/v1/reports/", auth, customer_id=321)
    assert report["status"] == "BLOCKED" and report["reason"] == "Customer consent date is not found."
