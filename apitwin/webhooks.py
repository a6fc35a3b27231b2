"""Signed webhook deliveries with per-endpoint ordering, retries with back-off and jitter, dead letters.

Generic: an API's plugin names the store collection its events go to and the row key of the tenant; every event
inserted there is fanned out to that tenant's registered endpoints. Endpoints, deliveries and their attempt logs
live in the API's store (so they reset, export and import with it); a background task per endpoint sends them in
order without ever blocking an API request.

Signature (apitwin's own scheme, documented in each spec that uses it):
    X-Apitwin-Timestamp: <unix seconds>
    X-Apitwin-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
"""
from __future__ import annotations

import asyncio
import bisect
import collections
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import unquote, urlparse

from apitwin.addresses import AllowList, is_internal, is_loopback, resolve
from apitwin.errors import ApiError
from apitwin.fake import rng_for
from apitwin.store import Row, Store
from apitwin.timeutil import format_datetime, now
from apitwin.webhook_client import DeliveryError, DeliveryTimeout, ReceiverConnection

log = logging.getLogger("apitwin.webhooks")

ENDPOINTS = "webhook_endpoints"
DELIVERIES = "webhook_deliveries"
SIGNATURE_HEADER = "X-Apitwin-Signature"
TIMESTAMP_HEADER = "X-Apitwin-Timestamp"
USER_AGENT = "apitwin-webhooks/1"
ADMIN_MARK = "__apitwin"
REFUSED = "target not allowed: "      # the error of an attempt the allow-list stopped
# Workers sharing one state (Redis): one receiver's deliveries are sent by the holder of its lease only (in order,
# once); a holder renews it at least every SHARED_POLL seconds, and another worker takes over SHARED_LEASE seconds
# after it stopped (died). Deliveries another worker queued are found by polling the shared state.
SHARED_POLL = 0.25
SHARED_LEASE = 3.0
UNSETTLED = ("pending", "retrying")


UNSETTLED_INDEX = "apitwin.webhooks.unsettled"


class Unsettled:
    """Per endpoint, the ids of its pending and retrying deliveries in ascending order: a derived value of the
    delivery log that follows every write (`apitwin.store.Follower`), also the ones other workers make."""

    def __init__(self) -> None:
        self.ids: dict[int, list[int]] = {}

    @classmethod
    def build(cls, rows: list[Row]) -> "Unsettled":
        index = cls()
        for row in rows:
            if row.get("status") in UNSETTLED:
                index.ids.setdefault(row["endpoint_id"], []).append(row["id"])   # scan(): ascending ids
        return index

    def follow(self, change: Any) -> "Unsettled":
        old, new = change
        if old is not None and old.get("status") in UNSETTLED:
            ids = self.ids.get(old["endpoint_id"], [])
            at = bisect.bisect_left(ids, old["id"])
            if at < len(ids) and ids[at] == old["id"]:
                del ids[at]
        if new is not None and new.get("status") in UNSETTLED:
            ids = self.ids.setdefault(new["endpoint_id"], [])
            at = bisect.bisect_left(ids, new["id"])
            if at == len(ids) or ids[at] != new["id"]:
                ids.insert(at, new["id"])
        return self


@dataclass
class DeliveryPolicy:
    timeout: float = 5.0          # seconds per attempt
    max_attempts: int = 6         # then the delivery is dead-lettered
    backoff_base: float = 1.0     # seconds before attempt 2; doubles each time
    backoff_max: float = 60.0
    seed: int = 0                 # jitter is seeded: a failing run replays
    max_events: int = 10_000      # events kept (oldest dropped); 0 = unbounded
    max_deliveries: int = 10_000  # settled deliveries kept (oldest delivered/acknowledged dropped); 0 = unbounded
    batch: int = 64               # ready deliveries of one receiver sent per store round trip (1: one per delivery)
    # A batch (see WebhookDispatcher._run_endpoint) also ends after this many seconds: its results become visible
    # soon, and a shared-state sender renews its lease well within SHARED_LEASE.
    batch_seconds: float = 0.2

    def delay_before(self, attempt: int, delivery_id: int) -> float:
        """Exponential back-off with 'equal jitter': half fixed, half random, never above backoff_max."""
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 2))
        return ceiling / 2 + rng_for(self.seed, delivery_id, attempt).random() * ceiling / 2


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str, tolerance: int = 300,
                     now_ts: float | None = None) -> bool:
    """What a receiver does: recompute, compare in constant time, refuse stale timestamps (replays)."""
    if not timestamp.isdigit():
        return False
    if abs((now_ts if now_ts is not None else time.time()) - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body).encode(), signature.strip().encode())


def check_url(url: Any) -> str:
    """The URL's form only (http(s), a host); `TargetPolicy.check` decides whether it may be sent to."""
    parsed = urlparse(url) if isinstance(url, str) else None
    try:
        ok = parsed is not None and parsed.scheme in ("http", "https") and bool(parsed.hostname) \
            and (parsed.port is None or parsed.port > 0)
    except ValueError:          # a port that is not a number
        ok = False
    if not ok:
        raise ApiError(400, [], {"url": ["Enter a valid http(s) URL with a host, e.g. http://127.0.0.1:9000/hooks."]})
    return url


def _refuse(message: str) -> ApiError:
    return ApiError(400, [], {"url": [message]})


def _names_an_address(url: str) -> bool:
    """Whether the URL's host is an IP address literal (checking it needs no DNS lookup, so no thread)."""
    try:
        ipaddress.ip_address((urlparse(url).hostname or "").strip("[]"))
    except ValueError:
        return False
    return True


@dataclass
class TargetPolicy:
    """Where webhooks may go: public addresses always; internal ones (loopback, private, link-local such as the
    cloud metadata address 169.254.169.254, …) only when the allow-list names them; never the mock's own admin API.

    Checked at registration and again before every attempt (a name may resolve elsewhere later)."""

    allow: AllowList = field(default_factory=lambda: AllowList.parse(["private"]))
    resolver: Callable[[str, int | None], list[Any]] = resolve

    @classmethod
    def for_settings(cls, entries: list[str] | None, host: str | None) -> "TargetPolicy":
        """`--webhook-allow` entries; without any, loopback and private ranges when the server is bound to loopback
        (or runs in-process), no internal address when it is bound elsewhere."""
        if entries is None:
            entries = ["private"] if host is None or is_loopback(host) else []
        return cls(AllowList.parse(entries))

    def check(self, url: str) -> None:
        parsed = urlparse(check_url(url))
        if ADMIN_MARK in unquote(parsed.path or "").lower():
            raise _refuse("Webhooks cannot target the mock's own admin API (/__apitwin/).")
        host = (parsed.hostname or "").lower().rstrip(".")
        if host in self.allow.hosts:
            return
        try:
            addresses = self.resolver(host, parsed.port)
        except (OSError, UnicodeError):
            raise _refuse(f"Host {host!r} does not resolve.") from None
        refused = [a for a in addresses if is_internal(a) and not self.allow.allows_address(a)]
        if refused or not addresses:
            shown = ", ".join(str(a) for a in refused) or "nothing"
            raise _refuse(f"Host {host!r} resolves to {shown}, an internal address webhooks may not target "
                          f"(allowed: public addresses and {self.allow.describe()}; see --webhook-allow).")


class WebhookDispatcher:
    """Fans events out to endpoints and delivers them in the background."""

    def __init__(self, store: Store, events_collection: str, tenant_key: str,
                 shape: Callable[[Row], dict[str, Any]], matches: Callable[[dict[str, Any], str], bool],
                 policy: DeliveryPolicy, targets: TargetPolicy | None = None) -> None:
        self.store = store
        self.targets = targets or TargetPolicy()
        self.tenant_key = tenant_key
        self.shape = shape
        self.matches = matches
        self.policy = policy
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._queues: dict[int, collections.deque[int]] = {}   # endpoint id → unsettled delivery ids, in order
        # The store's epoch the queues were built for: reset or import (here, or in another worker sharing the state)
        # moves it, and a batch sent for an older epoch records nothing — its ids now name other deliveries.
        self._epoch = store.epoch
        self._connections: dict[int, ReceiverConnection] = {}   # endpoint id → its receiver's connection
        self.events_collection = events_collection
        self.dropped = {"events": 0, "deliveries": 0}   # since start, reset or import (see retention())
        store.on_insert(events_collection, self._on_event)

    # -- endpoints ---------------------------------------------------------------------------------------------
    def register(self, tenant: str, url: str, event_types: list[str] | None = None, secret: str | None = None,
                 description: str | None = None) -> Row:
        return self.store[ENDPOINTS].insert({
            "tenant": tenant, "url": self._checked(url), "secret": secret or "whsec_" + secrets.token_hex(16),
            "event_types": list(event_types or []), "description": description, "active": True,
            "created_at": format_datetime(now()),
        })

    def _checked(self, url: str) -> str:
        self.targets.check(url)
        return url

    def endpoint(self, endpoint_id: int) -> Row:
        row = self.store[ENDPOINTS].get(endpoint_id)
        if row is None:
            raise ApiError(404, [f"No webhook endpoint {endpoint_id}."])
        return row

    def remove(self, endpoint_id: int) -> None:
        """Stop sending to an endpoint; its unsettled deliveries become dead letters (kept in the log)."""
        self.endpoint(endpoint_id)
        with self.store.transaction():
            self.store[ENDPOINTS].delete(endpoint_id)
            for delivery in self.store[DELIVERIES].filter(lambda d: d["status"] in ("pending", "retrying"),
                                                          endpoint_id=endpoint_id):
                self.store[DELIVERIES].update(delivery["id"], {"status": "dead", "next_attempt_at": 0.0,
                                                               "dead_reason": "endpoint deleted"})
        self._queues.pop(endpoint_id, None)
        task = self._tasks.pop(endpoint_id, None)
        if task:
            task.cancel()
        connection = self._connections.pop(endpoint_id, None)
        if connection is not None:
            connection.close()

    # -- fan-out -----------------------------------------------------------------------------------------------
    def _on_event(self, row: Row) -> None:
        """An event goes to its tenant's receivers; an event of no tenant (an API without tenants) to every one.
        Callback targets (`deliver`) are not receivers: they get only the deliveries addressed to them."""
        event = self.shape(row)
        tenant = row.get(self.tenant_key)
        event_id, event_type = row.get("id"), row.get("type")   # the shaped event may be any body (a callback's)
        if isinstance(event, dict):
            event_id = event.get("id") if event_id is None else event_id
            event_type = event.get("type") if event_type is None else event_type
        receivers = self.store[ENDPOINTS].filter(lambda e: not e.get("callback"), active=True,
                                                 **({} if tenant is None else {"tenant": tenant}))
        for endpoint in receivers:
            wanted = endpoint["event_types"]
            if wanted and not any(name == event_type or self.matches(event, name) for name in wanted):
                continue
            delivery = self.store[DELIVERIES].insert({
                "endpoint_id": endpoint["id"], "tenant": endpoint["tenant"], "event_id": event_id,
                "event_type": event_type, "payload": event, "status": "pending", "attempts": [],
                "next_attempt_at": 0.0, "created_at": format_datetime(now()),
            })
            self._queues.setdefault(endpoint["id"], collections.deque()).append(delivery["id"])
            self.kick(endpoint["id"])
        self._trim()

    # -- callbacks -----------------------------------------------------------------------------------------------
    def deliver(self, url: str, payload: Any, tenant: str, event_type: str, method: str = "POST") -> Row:
        """One delivery to a URL a request named (an OpenAPI callback), through the same signed, ordered, retried
        queue as receivers: each distinct URL becomes a callback target (an endpoint row marked `callback`, listed
        with the receivers so its secret can be read); a receiver already registered for that exact URL signs it
        with its own secret instead. A target the allow-list refuses is dead-lettered at once, never sent."""
        check_url(url)
        endpoint = next(iter(self.store[ENDPOINTS].filter(url=url, active=True)), None)
        if endpoint is None:
            endpoint = self.store[ENDPOINTS].insert({
                "tenant": tenant, "url": url, "secret": "whsec_" + secrets.token_hex(16), "event_types": [],
                "description": "callback target", "active": True, "callback": True,
                "created_at": format_datetime(now()),
            })
        delivery: dict[str, Any] = {
            "endpoint_id": endpoint["id"], "tenant": tenant, "event_id": None, "event_type": event_type,
            "payload": payload, "method": method.upper(), "status": "pending", "attempts": [],
            "next_attempt_at": 0.0, "created_at": format_datetime(now()),
        }
        if _names_an_address(url):            # checked now only where it costs no DNS lookup; else per attempt
            try:
                self.targets.check(url)
            except ApiError as refused:
                reason = REFUSED + " ".join(sum(refused.field_errors.values(), []))
                log.warning("callback %s to %s dead-lettered: %s", event_type, url, reason)
                delivery.update(status="dead", dead_reason=reason, attempts=[{
                    "attempt": 1, "at": format_datetime(now()), "status_code": None, "error": reason,
                    "latency_ms": 0.0, "ok": False}])
        row = self.store[DELIVERIES].insert(delivery)
        if row["status"] == "pending":
            self._queues.setdefault(endpoint["id"], collections.deque()).append(row["id"])
            self.kick(endpoint["id"])
        self._trim()
        return row

    # -- retention -----------------------------------------------------------------------------------------------
    # Events: the newest `max_events` are kept, the oldest dropped. Deliveries: pending and retrying ones are never
    # dropped, nor dead letters until acknowledged; beyond `max_deliveries` the oldest delivered and acknowledged
    # dead ones go first. A log may hold more than its cap only in deliveries that must be kept.
    @staticmethod
    def _settled(delivery: Row) -> bool:
        return delivery["status"] == "delivered" or (delivery["status"] == "dead"
                                                     and delivery.get("acknowledged_at") is not None)

    def _trim(self) -> None:
        with self.store.transaction():
            if self.policy.max_events:
                self.dropped["events"] += self.store[self.events_collection].trim_oldest(self.policy.max_events)
            if self.policy.max_deliveries:
                self.dropped["deliveries"] += self.store[DELIVERIES].trim_oldest(self.policy.max_deliveries,
                                                                                 self._settled)

    def retention(self) -> dict[str, Any]:
        """What the logs hold, their caps and how much was dropped (for the admin API)."""
        deliveries = self.store[DELIVERIES]
        return {
            "events": {"kept": len(self.store[self.events_collection]), "cap": self.policy.max_events,
                       "dropped": self.dropped["events"], "policy": "oldest dropped beyond the cap"},
            "deliveries": {"kept": len(deliveries), "cap": self.policy.max_deliveries,
                           "dropped": self.dropped["deliveries"],
                           "unacknowledged_dead": deliveries.count(
                               lambda d: d["status"] == "dead" and d.get("acknowledged_at") is None),
                           "policy": "oldest delivered or acknowledged dead letters dropped beyond the cap; pending, "
                                     "retrying and unacknowledged dead letters kept"},
        }

    def acknowledge(self, delivery_id: int) -> Row:
        """Mark a dead letter as seen: it stays in the log, but retention may now drop it."""
        delivery = self.store[DELIVERIES].get(delivery_id)
        if delivery is None:
            raise ApiError(404, [f"No webhook delivery {delivery_id}."])
        if delivery["status"] != "dead":
            raise ApiError(409, [f"Delivery {delivery_id} is {delivery['status']}; only dead letters are "
                                 "acknowledged."])
        if delivery.get("acknowledged_at") is None:
            delivery = self.store[DELIVERIES].update(delivery_id, {"acknowledged_at": format_datetime(now())})
        self._trim()
        return delivery

    def resend(self, delivery_id: int) -> Row:
        delivery = self.store[DELIVERIES].get(delivery_id)
        if delivery is None:
            raise ApiError(404, [f"No webhook delivery {delivery_id}."])
        if delivery["status"] in ("pending", "retrying"):
            raise ApiError(409, [f"Delivery {delivery_id} is still {delivery['status']}; it cannot be re-sent yet."])
        if self.store[ENDPOINTS].get(delivery["endpoint_id"]) is None:
            raise ApiError(409, [f"Delivery {delivery_id} cannot be re-sent: its endpoint "
                                 f"{delivery['endpoint_id']} was deleted."])
        updated = self.store[DELIVERIES].update(delivery_id, {"status": "pending", "next_attempt_at": 0.0,
                                                              "acknowledged_at": None})
        self._queues.setdefault(delivery["endpoint_id"], collections.deque()).append(delivery_id)
        self.kick(delivery["endpoint_id"])
        return updated

    # -- background delivery -----------------------------------------------------------------------------------
    def kick(self, endpoint_id: int) -> None:
        """Make sure a sender runs for this endpoint (no-op without a running event loop, e.g. while seeding)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = self._tasks.get(endpoint_id)
        if task is None or task.done():
            self._tasks[endpoint_id] = loop.create_task(self._run_endpoint(endpoint_id))

    def state_replaced(self) -> None:
        """After reset or import: ids start over, so nothing sent for the old state may write into the new one."""
        self._epoch = self.store.epoch
        self.dropped = {"events": 0, "deliveries": 0}
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()
        self._forget_connections()
        self.kick_all()

    def kick_all(self) -> None:
        """Rebuild the queues from the store (after start, reset or import) and make sure every sender runs."""
        unsettled: dict[int, list[int]] = {}
        self._epoch = self.store.epoch           # the queues below are built for the state as it is now (a restart's
        #                                           load on --state moved the epoch after this dispatcher was made)
        for delivery in self.store[DELIVERIES].scan():                  # ids only: no copies
            if delivery["status"] in UNSETTLED:
                unsettled.setdefault(delivery["endpoint_id"], []).append(delivery["id"])
        for endpoint_id in set(self._queues) | set(unsettled):
            queue = self._queues.setdefault(endpoint_id, collections.deque())  # in place: a sender may hold it
            queue.clear()
            queue.extend(unsettled.get(endpoint_id, []))
        for endpoint in self.store[ENDPOINTS].filter():
            self.kick(endpoint["id"])
        if self.store.shared:
            self._watch()

    def _watch(self) -> None:
        """Shared state: receivers registered by another worker get a sender here too (one of them sends)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = self._tasks.get(0)                  # endpoint ids start at 1: 0 is the watcher
        if task is None or task.done():
            self._tasks[0] = loop.create_task(self._watch_endpoints())

    async def _watch_endpoints(self) -> None:
        while True:
            await asyncio.sleep(SHARED_POLL * 4)
            try:
                for endpoint in self.store[ENDPOINTS].filter():
                    self.kick(endpoint["id"])
            except Exception:                       # Redis away for a moment: try again on the next round
                log.exception("webhook receivers could not be listed")

    def _shared_turn(self, endpoint_id: int, queue: collections.deque[int]) -> bool:
        """Shared state: whether this worker sends this receiver's deliveries now; if so, its queue is refilled
        from the shared state (deliveries other workers created), read from an index the writes keep current —
        not a scan of the whole log per batch (that cost ~12 ms a batch with 30,000 deliveries)."""
        if not self.store.leads(f"webhooks:{endpoint_id}", SHARED_LEASE):
            return False
        deliveries = self.store[DELIVERIES]
        index = deliveries.derived(UNSETTLED_INDEX, lambda: Unsettled.build(deliveries.scan()))
        pending = list(index.ids.get(endpoint_id, ()))     # one C-level copy: consistent under the GIL
        queue.clear()
        queue.extend(pending)
        return True

    async def _run_endpoint(self, endpoint_id: int) -> None:
        """Deliver this endpoint's deliveries strictly in creation order; the head blocks until it is settled.

        Per round: the due deliveries from the head of the queue on (at most `policy.batch`) are sent one after the
        other over the receiver's own keep-alive connection (the next only once the previous one is acknowledged, so
        the receiver sees them in order and a failure stops the batch there), and their results are written in one
        store transaction — one commit (fsync, Redis round trip) per batch, not per delivery. A
        crash between sending and that commit re-sends the batch after the restart: at least once, never lost."""
        queue = self._queues.setdefault(endpoint_id, collections.deque())
        shared = self.store.shared
        while queue or shared:
            epoch = self._current_epoch()          # read before the rows: anything read after is at least as new
            if shared:
                try:
                    turn = self._shared_turn(endpoint_id, queue)
                except Exception:                   # Redis away for a moment: try again
                    log.exception("webhook queue of endpoint %s could not be read", endpoint_id)
                    turn = False
                if not turn or not queue:
                    if self.store[ENDPOINTS].get(endpoint_id) is None:
                        return
                    await asyncio.sleep(SHARED_POLL)
                    continue
            endpoint, head, wait = self._ready(endpoint_id, queue)
            if endpoint is None:
                return
            if head is not None:
                try:
                    await self._send_batch(endpoint, head, queue, epoch)
                except Exception:      # the results could not be written: sent again when a sender next runs
                    log.exception("webhook deliveries to endpoint %s could not be recorded", endpoint_id)
                    return
            elif wait > 0:
                await asyncio.sleep(min(wait, SHARED_POLL) if shared else wait)   # shared: keep the lease

    def _current_epoch(self) -> int:
        """The store's epoch as of this worker's last look at the state (no look of its own: a round's lookups make
        it). Shared state: when another worker's reset or import moved it, this worker forgets what it queued and
        dropped for the old state — the queues are refilled from the new one; a batch whose rows turn out newer than
        its epoch sends nothing (`_send_batch`), one still out for an older epoch records nothing (`_settle`)."""
        epoch = self.store.epoch
        if epoch != self._epoch:
            self._epoch = epoch
            self.dropped = {"events": 0, "deliveries": 0}
            for queue in self._queues.values():
                queue.clear()
        return epoch

    def _ready(self, endpoint_id: int, queue: collections.deque[int]) -> tuple[Row | None, Row | None, float]:
        """(the endpoint, the head of its queue if it is due now, else seconds until it is). Deliveries at the head
        settled elsewhere (re-sent twice, reset, import) leave the queue here. Rows are read without copies."""
        endpoint = self.store[ENDPOINTS].get(endpoint_id)
        if endpoint is None:
            return None, None, 0.0
        deliveries = self.store[DELIVERIES]
        while queue:
            head = deliveries.view(queue[0])
            if head is not None and head["status"] in UNSETTLED:
                break
            queue.popleft()
        else:
            return endpoint, None, 0.0
        wait = head["next_attempt_at"] - time.time()
        return (endpoint, None, wait) if wait > 0 else (endpoint, head, 0.0)

    async def _send_batch(self, endpoint: Row, head: Row, queue: collections.deque[int], epoch: int) -> None:
        """Send the due deliveries from the head of the queue on, in order, until one attempt fails, `policy.batch`
        were sent or `policy.batch_seconds` passed; then record every result in one transaction — also when cancelled
        mid-batch (shutdown), so what the receiver acknowledged is not sent again. `epoch`: the store's epoch the
        head was read in; once it moved (reset, import — here or in another worker) the batch stops and records
        nothing."""
        deliveries = self.store[DELIVERIES]                   # looked up once per batch (shared: one sync)
        if self.store.epoch != epoch:         # the round's lookups met another worker's reset: start the round again
            return
        connection = self._connection(endpoint)
        refused = await self._refusal(endpoint["url"])       # the target policy, once per batch
        results: list[tuple[Row, dict[str, Any]]] = []
        limit = max(1, self.policy.batch)
        started = time.monotonic()
        delivery: Row | None = head
        try:
            while delivery is not None:
                record = await self.send(endpoint, delivery["payload"], delivery["id"], len(delivery["attempts"]) + 1,
                                         event_id=delivery.get("event_id"), event_type=delivery.get("event_type"),
                                         method=delivery.get("method", "POST"), connection=connection,
                                         refused=refused)
                results.append((delivery, record))
                if not record["ok"] or len(results) >= limit or len(results) >= len(queue) \
                        or time.monotonic() - started > self.policy.batch_seconds:
                    break
                delivery = deliveries.view(queue[len(results)])
                if delivery is None or delivery["status"] not in UNSETTLED or delivery["next_attempt_at"] > time.time() \
                        or self.store.epoch != epoch:
                    break                                # the next round starts there
        finally:
            if results and epoch == self.store.epoch:    # not after a reset or import while in flight
                settled = self._settle(endpoint, results, epoch)
                while queue and queue[0] in settled:
                    queue.popleft()

    def _settle(self, endpoint: Row, results: list[tuple[Row, dict[str, Any]]], epoch: int) -> set[int]:
        """Write the attempts of one batch in one transaction; returns the ids now delivered or dead. Nothing is
        written when the state was replaced since the batch began (shared state: the transaction has just applied
        the other workers' writes, under their common lock) — its ids may name new deliveries, never sent."""
        settled: set[int] = set()
        with self.store.transaction():
            if self.store.epoch != epoch:
                return settled
            deliveries = self.store[DELIVERIES]
            delivered = False
            for delivery, result in results:
                current = deliveries.view(delivery["id"])
                if current is None or current["status"] not in UNSETTLED:   # endpoint deleted meanwhile, reset
                    settled.add(delivery["id"])
                    continue
                changes = self._outcome(endpoint, current, result)
                deliveries.update(delivery["id"], changes, copy=False)      # fresh values, handed over
                if changes["status"] != "retrying":
                    settled.add(delivery["id"])
                delivered = delivered or changes["status"] == "delivered"
            if delivered:
                self._trim()
        return settled

    def _outcome(self, endpoint: Row, delivery: Row, result: dict[str, Any]) -> dict[str, Any]:
        """The delivery's changes after one attempt: delivered, retried after a back-off, or dead-lettered."""
        attempts = delivery["attempts"] + [result]
        if result["ok"]:
            return {"status": "delivered", "attempts": attempts, "next_attempt_at": 0.0}
        if endpoint.get("callback") and (result["error"] or "").startswith(REFUSED):
            # a URL a request named, resolving where webhooks may not go: final, as `deliver` refuses an address
            log.warning("callback delivery %s to %s dead-lettered: %s", delivery["id"], endpoint["url"],
                        result["error"])
            return {"status": "dead", "attempts": attempts, "next_attempt_at": 0.0, "dead_reason": result["error"]}
        if len(attempts) >= self.policy.max_attempts:
            log.warning("webhook delivery %s to %s dead-lettered after %d attempts", delivery["id"],
                        endpoint["url"], len(attempts))
            return {"status": "dead", "attempts": attempts, "next_attempt_at": 0.0}
        delay = self.policy.delay_before(len(attempts) + 1, delivery["id"])
        return {"status": "retrying", "attempts": attempts, "next_attempt_at": time.time() + delay}

    def _connection(self, endpoint: Row) -> ReceiverConnection:
        """The receiver's own keep-alive connection (one per endpoint, reused across batches and rounds)."""
        connection = self._connections.get(endpoint["id"])
        if connection is None or connection.url != endpoint["url"]:
            if connection is not None:
                connection.close()
            connection = self._connections[endpoint["id"]] = ReceiverConnection(endpoint["url"])
        return connection

    async def _refusal(self, url: str) -> str | None:
        """Why the target policy refuses `url` now (the attempt's error), or None. An IP literal is checked inline;
        a name is resolved in a worker thread (DNS), so the event loop never waits on it."""
        try:
            if _names_an_address(url):
                self.targets.check(url)
            else:
                await asyncio.get_running_loop().run_in_executor(None, self.targets.check, url)
        except ApiError as refused:
            return REFUSED + " ".join(sum(refused.field_errors.values(), []))
        return None

    async def send(self, endpoint: Row, payload: Any, delivery_id: int | str, attempt: int, *,
                   event_id: Any = None, event_type: Any = None, method: str = "POST",
                   connection: ReceiverConnection | None = None, refused: str | None | bool = False) -> dict[str, Any]:
        """One signed request (POST unless a callback names another method); never raises. Returns the attempt
        record kept in the delivery log. Without `connection`, a connection of its own (closed after); `refused`
        is the target check's result when the caller made it already (False: check now)."""
        body = b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode()
        timestamp = int(time.time())
        if isinstance(payload, dict):
            event_id = payload.get("id", "") if event_id is None else event_id
            event_type = payload.get("type", "") if event_type is None else event_type
        headers = {
            "Content-Type": "application/json", "User-Agent": USER_AGENT,
            "X-Apitwin-Event-Id": "" if event_id is None else str(event_id),
            "X-Apitwin-Event-Type": "" if event_type is None else str(event_type),
            "X-Apitwin-Delivery-Id": str(delivery_id), "X-Apitwin-Delivery-Attempt": str(attempt),
            TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(endpoint["secret"], timestamp, body),
        }
        started = time.perf_counter()
        record: dict[str, Any] = {"attempt": attempt, "at": format_datetime(now()), "status_code": None,
                                  "error": None, "latency_ms": 0.0, "ok": False}
        if refused is False:
            refused = await self._refusal(endpoint["url"])
        if refused:
            record["error"] = refused
            return record
        own = connection is None
        if connection is None:
            connection = ReceiverConnection(endpoint["url"])
        try:
            status = await connection.request(method, headers, body, self.policy.timeout)
            record["status_code"] = status
            record["ok"] = 200 <= status < 300
            if status == 407 and connection.proxy is not None:
                record["error"] = f"proxy {connection.proxy.url} answered 407 (Proxy Authentication Required)"
            elif not record["ok"]:
                record["error"] = f"receiver answered {status}"
        except DeliveryTimeout:
            record["error"] = f"timed out after {self.policy.timeout:g} s"
        except DeliveryError as exc:
            record["error"] = str(exc)
        finally:
            if own:
                connection.close()
        record["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
        return record

    def _forget_connections(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()

    async def close(self) -> None:
        """Stop the senders; each records what its current batch delivered before it ends."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        self._tasks.clear()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._forget_connections()
