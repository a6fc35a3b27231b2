"""Partners API, events (G1 events.md; C5, C8, C26-C33): ascending list, created_at bounds, type filter with G1 and
G2 names, payload shapes, and new state changes showing up for pollers."""
from __future__ import annotations

import operator
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest

from apitwin.settings import Settings
from tests.partners.helpers import (DATETIME, assert_error, create_customer, create_order, create_shipment, get_json,
                                    ids, parse_dt, reset_app, utc_now_floor)

URL = "/api/v1/events/"
NO_CONSENT = "Customer consent date is not found."
NOT_REGISTERED = "Kit registration verification date is not found."

# G2 name -> test on a (G1) event, per docs/partners-decisions.md (Event scheme)
G2_NAMES: dict[str, Callable[[dict[str, Any]], bool]] = {
    "kit_out_for_delivery": lambda e: e["type"] == "kit.created",
    "kit_received_by_lab": lambda e: e["type"] == "kit.updated" and e["data"]["kit"]["status"] == "KIT_RECEIVED",
    "kit_in_process": lambda e: e["type"] == "kit.updated" and e["data"]["kit"]["status"] == "KIT_PROCESSING",
    "kit_failed": lambda e: e["type"] == "kit.updated" and e["data"]["kit"]["status"] == "KIT_FAILED",
    "kit_data_ready": lambda e: e["type"] == "kit.updated" and e["data"]["kit"]["status"] == "DATA_AVAILABLE",
    "report_ready": lambda e: e["type"] == "report.updated" and e["data"]["report"]["status"] == "AVAILABLE",
    "report_blocked_no_consent": lambda e: e["type"] == "report.updated"
    and e["data"]["report"].get("reason") == NO_CONSENT,
    "report_blocked_kit_not_registered": lambda e: e["type"] == "report.updated"
    and e["data"]["report"].get("reason") == NOT_REGISTERED,
}


@pytest.fixture
def app(settings: Settings) -> Any:
    return reset_app(settings)


@pytest.fixture
def events(client: Any, auth: dict[str, str]) -> list[dict[str, Any]]:
    return get_json(client, URL, auth)


def matching(events: list[dict[str, Any]], test: Callable[[datetime], bool]) -> list[int]:
    return [e["id"] for e in events if test(parse_dt(e["created_at"]))]


# -- list and shapes -----------------------------------------------------------------------------------------------

def test_events_ascend_by_id(events: list[dict[str, Any]]) -> None:
    assert len(events) > 10
    assert ids(events) == sorted(ids(events)) and len(set(ids(events))) == len(events)


def test_event_shape(events: list[dict[str, Any]]) -> None:
    for event in events:
        assert set(event) == {"id", "created_at", "type", "data"}
        assert DATETIME.match(event["created_at"])
        assert event["type"] in {"kit.created", "kit.updated", "report.updated"}    # G1 types only (C27)
        if event["type"].startswith("kit."):
            assert set(event["data"]) == {"kit"}
            kit = event["data"]["kit"]
            assert {"barcode", "status", "shipment_id"} <= set(kit)                  # C30
            assert ("reason" in kit) == (kit["status"] == "KIT_FAILED")
        else:
            assert set(event["data"]) == {"report"}
            report = event["data"]["report"]
            assert {"id", "status"} <= set(report)                                   # C33
            assert report["status"] in {"AVAILABLE", "BLOCKED"}
            assert ("reason" in report) == (report["status"] == "BLOCKED")


def test_kit_created_is_kit_out_for_delivery(events: list[dict[str, Any]]) -> None:
    created = [e for e in events if e["type"] == "kit.created"]
    assert created and all(e["data"]["kit"]["status"] == "KIT_SHIPPED" for e in created)   # C28


def test_failed_kit_event_carries_the_reason(events: list[dict[str, Any]]) -> None:
    (failed,) = [e for e in events if e["data"].get("kit", {}).get("status") == "KIT_FAILED"]
    assert failed["type"] == "kit.updated"
    assert failed["data"]["kit"]["reason"] == "Not enough DNA was extracted."


def test_event_payloads_point_at_real_kits_and_reports(client: Any, auth: dict[str, str],
                                                       events: list[dict[str, Any]]) -> None:
    kits = {k["barcode"]: k for k in get_json(client, "/api/v1/kits/", auth)}
    reports = {r["id"] for r in get_json(client, "/api/v1/reports/", auth)}
    for event in events:
        if "kit" in event["data"]:
            kit = event["data"]["kit"]
            assert kit["barcode"] in kits and kits[kit["barcode"]]["shipment"] == kit["shipment_id"]
        else:
            assert event["data"]["report"]["id"] in reports


# -- created_at bounds (C8) ----------------------------------------------------------------------------------------

def test_overview_literal_with_a_raw_plus(client: Any, auth: dict[str, str], events: list[dict[str, Any]]) -> None:
    """GET /api/v1/events/?created_at__gte=2019-10-01+00:00:00 exactly as the overview writes it: '+' is a space."""
    response = client.get(f"{URL}?created_at__gte=2019-10-01+00:00:00", headers=auth)
    assert response.status_code == 200, response.text
    assert ids(response.json()) == ids(events)              # every seeded event is from October 2019 on
    later = client.get(f"{URL}?created_at__gte=2019-10-05+00:00:00", headers=auth)
    assert later.status_code == 200, later.text
    bound = datetime(2019, 10, 5, tzinfo=timezone.utc)
    expected = matching(events, lambda at: at >= bound)
    assert ids(later.json()) == expected and 0 < len(expected) < len(events)


@pytest.mark.parametrize("value", [
    "2019-10-05T00:00:00%2B00:00",       # ISO with the + percent-encoded
    "2019-10-05T02:00:00%2B02:00",       # same instant, another offset
    "2019-10-04T19:00:00-05:00",
    "2019-10-05T00:00:00Z",
    "2019-10-05",                        # a date is midnight UTC
    "2019-10-05%2000:00:00",             # space separator, no zone = UTC
    "2019-10-05%2B00:00:00",             # the overview literal with its + percent-encoded
    "2019-10-05T00:00:00",
])
def test_equivalent_ways_to_write_the_same_bound(client: Any, auth: dict[str, str], events: list[dict[str, Any]],
                                                 value: str) -> None:
    response = client.get(f"{URL}?created_at__gte={value}", headers=auth)
    assert response.status_code == 200, response.text
    bound = datetime(2019, 10, 5, tzinfo=timezone.utc)
    assert ids(response.json()) == matching(events, lambda at: at >= bound)


@pytest.mark.parametrize("name,op", [("created_at__gte", operator.ge), ("created_at__gt", operator.gt),
                                     ("created_at__lte", operator.le), ("created_at__lt", operator.lt)])
def test_bounds_are_exact_at_an_events_own_timestamp(client: Any, auth: dict[str, str],
                                                     events: list[dict[str, Any]], name: str, op: Any) -> None:
    pivot = events[len(events) // 2]
    at = parse_dt(pivot["created_at"])
    response = client.get(URL, params={name: pivot["created_at"]}, headers=auth)
    assert response.status_code == 200, response.text
    got = ids(response.json())
    assert got == matching(events, lambda t: op(t, at))
    assert (pivot["id"] in got) == (name in ("created_at__gte", "created_at__lte"))


@pytest.mark.parametrize("name,included", [("created_at__gt", False), ("created_at__gte", False),
                                           ("created_at__lt", True), ("created_at__lte", True)])
def test_bounds_with_fractions_of_a_second(client: Any, auth: dict[str, str], events: list[dict[str, Any]],
                                           name: str, included: bool) -> None:
    pivot = events[0]
    bound = parse_dt(pivot["created_at"]) + timedelta(milliseconds=500)
    got = ids(get_json(client, URL, auth, **{name: bound.isoformat()}))
    assert (pivot["id"] in got) == included


def test_two_bounds_make_a_window(client: Any, auth: dict[str, str], events: list[dict[str, Any]]) -> None:
    low, high = datetime(2019, 10, 3, tzinfo=timezone.utc), datetime(2019, 10, 7, 11, tzinfo=timezone.utc)
    got = ids(get_json(client, URL, auth, created_at__gte=low.isoformat(), created_at__lt=high.isoformat()))
    assert got == matching(events, lambda at: low <= at < high) and got


def test_bound_after_everything_is_empty(client: Any, auth: dict[str, str]) -> None:
    assert get_json(client, URL, auth, created_at__gt="2100-01-01T00:00:00+00:00") == []


@pytest.mark.parametrize("name,value", [
    ("created_at__gte", "yesterday"), ("created_at__gt", "yesterday"), ("created_at__lte", "yesterday"),
    ("created_at__lt", "yesterday"), ("created_at__gte", "2019-13-01"), ("created_at__gte", "2019-10-01T25:00:00"),
    ("created_at__gte", "1569888000"), ("created_at__lt", ""), ("created_at__lte", "0000-00-00"),
    ("created_at__gte", "2019-21-01"), ("created_at__gt", "2019-02-29"), ("created_at__lt", "2019-10-01T10:00+24:00"),
])
def test_unparsable_bound_is_a_field_error_under_its_name(client: Any, auth: dict[str, str], name: str,
                                                          value: str) -> None:
    body = assert_error(client.get(URL, params={name: value}, headers=auth), 400, fields=[name])
    assert body["messages"] == []


def test_two_unparsable_bounds_are_both_reported(client: Any, auth: dict[str, str]) -> None:
    response = client.get(URL, params={"created_at__gte": "yesterday", "created_at__lt": "nope"}, headers=auth)
    assert_error(response, 400, fields=["created_at__gte", "created_at__lt"])


def test_bad_bound_and_bad_type_are_both_reported(client: Any, auth: dict[str, str]) -> None:
    response = client.get(URL, params={"created_at__gte": "yesterday", "type": "kit.deleted"}, headers=auth)
    assert_error(response, 400, fields=["created_at__gte", "type"])


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00"])
def test_out_of_range_bound_is_not_a_server_error(client: Any, auth: dict[str, str], value: str) -> None:
    response = client.get(URL, params={"created_at__gte": value}, headers=auth)
    if response.status_code == 200:
        assert isinstance(response.json(), list)
    else:
        assert_error(response, 400, fields=["created_at__gte"])


def test_the_filter_is_not_created_at(client: Any, auth: dict[str, str]) -> None:
    assert_error(client.get(URL, params={"created_at": "2019-10-01"}, headers=auth), 400, fields=["created_at"])


# -- type filter (C27) ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["kit.created", "kit.updated", "report.updated"])
def test_type_filter_with_g1_names(client: Any, auth: dict[str, str], events: list[dict[str, Any]],
                                   name: str) -> None:
    got = get_json(client, URL, auth, type=name)
    assert got and ids(got) == [e["id"] for e in events if e["type"] == name]


@pytest.mark.parametrize("name", sorted(G2_NAMES))
def test_type_filter_with_g2_names(client: Any, auth: dict[str, str], events: list[dict[str, Any]],
                                   name: str) -> None:
    got = get_json(client, URL, auth, type=name)
    expected = [e["id"] for e in events if G2_NAMES[name](e)]
    assert ids(got) == expected
    assert got, f"the seed should show at least one {name} event"
    assert all(e["type"] in {"kit.created", "kit.updated", "report.updated"} for e in got)  # emitted as G1


@pytest.mark.parametrize("name", ["kit.deleted", "KIT.CREATED", "kit_lost", "report-ready", "action"])
def test_unknown_type_is_400(client: Any, auth: dict[str, str], name: str) -> None:
    assert_error(client.get(URL, params={"type": name}, headers=auth), 400, fields=["type"])


def test_type_and_bounds_combine(client: Any, auth: dict[str, str], events: list[dict[str, Any]]) -> None:
    bound = datetime(2019, 10, 5, tzinfo=timezone.utc)
    got = ids(get_json(client, URL, auth, type="kit_in_process", created_at__gte="2019-10-05"))
    assert got == [e["id"] for e in events
                   if G2_NAMES["kit_in_process"](e) and parse_dt(e["created_at"]) >= bound]


def test_paging_keeps_the_filters(client: Any, auth: dict[str, str], events: list[dict[str, Any]]) -> None:
    expected = [e["id"] for e in events if e["type"] == "kit.updated"]
    first = get_json(client, URL, auth, type="kit.updated", page_size=4)
    assert first["count"] == len(expected) and ids(first["results"]) == expected[:4]
    assert "type=kit.updated" in first["next"]
    second = client.get(first["next"], headers=auth).json()
    assert ids(second["results"]) == expected[4:8]


# -- new state changes ---------------------------------------------------------------------------------------------

def test_new_shipment_events_appear_at_the_end(client: Any, auth: dict[str, str],
                                               events: list[dict[str, Any]]) -> None:
    before = utc_now_floor()
    shipment = create_shipment(client, auth, 323, quantity=2)
    after = get_json(client, URL, auth)
    assert ids(after[:len(events)]) == ids(events)
    new = after[len(events):]
    assert len(new) == 2 and min(ids(new)) > max(ids(events))
    for event in new:
        assert event["type"] == "kit.created"
        assert event["data"]["kit"]["shipment_id"] == shipment["id"]
        assert parse_dt(event["created_at"]) >= before
    polled = client.get(URL, params={"created_at__gte": before.isoformat()}, headers=auth).json()
    assert ids(new) == [e["id"] for e in polled if e["id"] in ids(new)]
    assert set(ids(new)) <= set(ids(polled))


def test_customers_and_orders_make_no_events(client: Any, auth: dict[str, str],
                                             events: list[dict[str, Any]]) -> None:
    customer = create_customer(client, auth, consent_date="2019-10-01")
    assert get_json(client, URL, auth) == events
    create_shipment(client, auth, customer["id"])
    with_kit = get_json(client, URL, auth)
    create_order(client, auth, customer["id"], ["apoe-1"])          # report opens `pending`: no event yet
    assert get_json(client, URL, auth) == with_kit


def test_order_settling_at_once_makes_report_ready_events(client: Any, auth: dict[str, str],
                                                          events: list[dict[str, Any]]) -> None:
    order = create_order(client, auth, 319, ["apoe-1", "detox-1"])
    new = get_json(client, URL, auth)[len(events):]
    reports = [r for r in get_json(client, "/api/v1/reports/", auth, customer_id=319) if r["order"] == order["id"]]
    assert sorted(e["data"]["report"]["id"] for e in new) == sorted(ids(reports))
    assert all(e["type"] == "report.updated" and e["data"]["report"]["status"] == "AVAILABLE" for e in new)
    assert ids(get_json(client, URL, auth, type="report_ready"))[-2:] == ids(new)
