// apitwin inspector: plain JavaScript over the admin API (/__apitwin/). Everything a request carried is shown as
// text (textContent), never as markup: the journal holds whatever clients sent.
"use strict";

const ADMIN = "/__apitwin";
const POLL_MS = 500;
const MAX_ROWS = 500;
const state = { token: sessionStorage.getItem("apitwin-token") || "", apis: [], lastId: 0, selected: null,
                polling: null, rows: new Map(), stateData: null };

// -- helpers ------------------------------------------------------------------------------------------------------
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function $(id) { return document.getElementById(id); }

// A view reloads on every change of its selects; only the newest load may draw (answers can arrive out of order).
const tickets = {};
function ticket(view) { tickets[view] = (tickets[view] || 0) + 1; const mine = tickets[view]; return () => tickets[view] === mine; }

function notice(text, kind) {
  const box = $("notice");
  box.textContent = text || "";
  box.className = kind || "";
  box.hidden = !text;
}

async function call(method, path, body) {
  const headers = {};
  if (state.token) headers["X-Apitwin-Admin-Token"] = state.token;
  const options = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const response = await fetch(ADMIN + path, options);
  const text = await response.text();
  let data = text;
  try { data = text ? JSON.parse(text) : null; } catch (e) { /* not JSON */ }
  if (response.status === 401) {
    notice("The admin API needs the admin token (printed by `apitwin serve`): paste it above.", "error");
  }
  return { status: response.status, ok: response.ok, data };
}

function errorText(result) {
  const data = result.data;
  if (data && typeof data === "object") {
    const lines = [...(data.messages || [])];
    for (const [field, messages] of Object.entries(data.errors || {})) lines.push(`${field}: ${messages.join(" ")}`);
    if (lines.length) return `${result.status}: ${lines.join(" · ")}`;
  }
  return `${result.status}: ${typeof data === "string" ? data.slice(0, 300) : JSON.stringify(data)}`;
}

function pretty(text) {
  if (text === null || text === undefined || text === "") return "";
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return text; }
}

function shellQuote(text) { return "'" + String(text).replace(/'/g, "'\\''") + "'"; }

function copyButton(getText, label) {
  const button = el("button", { type: "button", class: "copy", text: label || "Copy" });
  button.addEventListener("click", async () => {
    const text = getText();
    try { await navigator.clipboard.writeText(text); button.textContent = "Copied"; }
    catch (e) {   // no clipboard permission (plain http): select the text for Ctrl-C instead
      const area = el("textarea", { readonly: true }); area.value = text; button.after(area); area.select();
      button.textContent = "Selected: press Ctrl-C";
    }
    setTimeout(() => { button.textContent = label || "Copy"; }, 2000);
  });
  return button;
}

function fillSelect(select, options, keep) {
  const previous = keep ? select.value : "";
  const fixed = [...select.querySelectorAll("option[data-fixed]")];
  select.replaceChildren(...fixed, ...options.map(([value, label]) => el("option", { value }, label)));
  if (previous && options.some(([value]) => value === previous)) select.value = previous;
}

// -- requests -----------------------------------------------------------------------------------------------------
function statusClass(status) { return status ? `s${String(status)[0]}` : "s0"; }

function requestFilters() {
  const params = new URLSearchParams();
  if ($("req-api").value) params.set("api", $("req-api").value);
  if ($("req-status").value) params.set("status", $("req-status").value);
  if ($("req-text").value.trim()) params.set("text", $("req-text").value.trim());
  return params;
}

function requestRow(exchange) {
  const time = exchange.time.slice(11, 23);
  const target = exchange.path + (exchange.query ? "?" + exchange.query : "");
  const row = el("tr", { class: statusClass(exchange.status), "data-id": exchange.id, onclick: () => showRequest(exchange.id) },
    el("td", { text: exchange.id }), el("td", { text: time }), el("td", { text: exchange.api || "-" }),
    el("td", { text: exchange.method }), el("td", { class: "path", text: target }),
    el("td", { class: "status", text: exchange.status ?? "-" }),
    el("td", { text: exchange.duration_ms === null ? "-" : exchange.duration_ms.toFixed(1) }));
  if (exchange.id === state.selected) row.classList.add("selected");
  return row;
}

async function pollRequests(restart) {
  if (state.inFlight && !restart) return;              // one poll at a time; a restart supersedes it
  const current = ticket("requests");
  const params = requestFilters();
  params.set("after", String(state.lastId));
  params.set("limit", "200");
  state.inFlight = true;
  let result;
  try { result = await call("GET", `/requests?${params}`); } finally { if (current()) state.inFlight = false; }
  if (!current() || !result.ok) return;
  const items = result.data.items.filter((e) => e.id > state.lastId);
  if (items.length) {
    state.lastId = Math.max(state.lastId, ...items.map((e) => e.id));
    const body = $("req-rows");
    body.prepend(...items.map(requestRow));
    while (body.children.length > MAX_ROWS) body.lastElementChild.remove();
  }
  $("req-count").textContent = `${$("req-rows").children.length} shown · journal keeps ${result.data.size}`;
}

function restartRequests() {
  state.lastId = 0;
  $("req-rows").replaceChildren();
  pollRequests(true);
}

function schedulePolling() {
  clearInterval(state.polling);
  state.polling = $("req-live").checked ? setInterval(pollRequests, POLL_MS) : null;
}

function curlOf(exchange) {
  const skip = new Set(["host", "content-length", "connection", "accept-encoding", "user-agent"]);
  const parts = ["curl", "-X", exchange.method, shellQuote(location.origin + exchange.path + (exchange.query ? "?" + exchange.query : ""))];
  for (const [name, value] of exchange.request.headers) {
    if (!skip.has(name.toLowerCase())) parts.push("-H", shellQuote(`${name}: ${value}`));
  }
  if (exchange.request.body) parts.push("--data-raw", shellQuote(exchange.request.body));
  return parts.join(" ");
}

function headerTable(headers) {
  return el("table", { class: "headers" }, headers.map(([name, value]) => el("tr", {}, el("th", { text: name }), el("td", { text: value }))));
}

async function showRequest(id) {
  state.selected = id;
  for (const row of $("req-rows").children) row.classList.toggle("selected", Number(row.dataset.id) === id);
  const result = await call("GET", `/requests/${id}`);
  const detail = $("req-detail");
  if (!result.ok) { detail.replaceChildren(el("p", { class: "muted", text: errorText(result) })); return; }
  const x = result.data;
  const parts = [el("h3", { text: `${x.method} ${x.path}${x.query ? "?" + x.query : ""} → ${x.status ?? "-"}` }),
    el("dl", { class: "meta" },
      el("dt", { text: "time" }), el("dd", { text: x.time }),
      el("dt", { text: "API" }), el("dd", { text: x.api || "(none)" }),
      el("dt", { text: "operation" }), el("dd", { text: x.operation || "(no operation matched)" }),
      el("dt", { text: "duration" }), el("dd", { text: x.duration_ms === null ? "-" : `${x.duration_ms} ms` }),
      Object.keys(x.prefer).length ? [el("dt", { text: "Prefer" }),
        el("dd", { text: Object.entries(x.prefer).map(([k, v]) => `${k}=${v}`).join(", ") })] : null)];
  if (x.violations.length || x.messages.length) {
    parts.push(el("div", { class: "violations" }, el("strong", { text: "Why the mock answered " + x.status }),
      el("ul", {}, x.messages.map((m) => el("li", { class: "message", text: m })),
        x.violations.map((v) => el("li", { class: "violation" }, el("code", { text: v.in === "query" ? `query ${v.field}` : v.pointer || "(body)" }), " ", v.message)))));
  }
  const curl = curlOf(x);
  parts.push(el("h2", {}, "Reproduce ", copyButton(() => curl, "Copy curl")), el("pre", { class: "curl", text: curl }));
  if (x.request.headers.some(([, v]) => v.includes("********"))) {
    parts.push(el("p", { class: "muted", text: "Credentials are masked (********): put yours back before running it." }));
  }
  parts.push(el("h2", { text: "Request headers" }), headerTable(x.request.headers));
  if (x.request.body !== null) {
    parts.push(el("h2", { text: `Request body (${x.request.size} bytes${x.request.truncated ? ", truncated" : ""})` }),
      el("pre", { class: "request-body", text: pretty(x.request.body) }));
  }
  parts.push(el("h2", { text: `Response ${x.status ?? ""}` }), headerTable(x.response.headers));
  if (x.response.body !== null) {
    parts.push(el("pre", { class: "response-body", text: pretty(x.response.body) }),
      x.response.truncated ? el("p", { class: "muted", text: `truncated: ${x.response.size} bytes in all` }) : null);
  }
  detail.replaceChildren(...parts.filter(Boolean));
}

// -- APIs ---------------------------------------------------------------------------------------------------------
async function loadApis() {
  const result = await call("GET", "/apis");
  if (!result.ok) return;
  state.apis = result.data;
  const names = state.apis.map((a) => [a.name, a.name]);
  fillSelect($("req-api"), names, true);
  fillSelect($("state-api"), names, true);
  fillSelect($("sim-api"), names, true);
  fillSelect($("wh-api"), state.apis.filter((a) => a.logs).map((a) => [a.name, a.name]), true);
  $("apis-list").replaceChildren(...state.apis.map((a) => el("div", { class: "card", id: `api-${a.name}` },
    el("h2", { text: `${a.title} (${a.name})` }),
    el("dl", { class: "meta" },
      el("dt", { text: "Swagger UI" }), el("dd", {}, el("a", { href: a.ui, text: a.ui })),
      el("dt", { text: "Spec" }), el("dd", {}, el("a", { href: a.spec, text: a.spec })),
      el("dt", { text: "Mounted at" }), el("dd", { text: a.prefix || "(documented root)" }),
      el("dt", { text: "Collections" }),
      el("dd", { text: Object.entries(a.collections).map(([n, c]) => `${n} ${c}`).join(" · ") || "-" })))),
    el("div", { class: "card" }, el("h2", { text: "Admin API" }),
      el("a", { href: `${ADMIN}/ui/`, text: `${ADMIN}/ui/` }), " · ", el("a", { href: `${ADMIN}/openapi.json`, text: "openapi.json" })));
}

// -- state --------------------------------------------------------------------------------------------------------
async function loadState() {
  const api = $("state-api").value;
  if (!api) return;
  const current = ticket("state");
  const result = await call("GET", `/apis/${encodeURIComponent(api)}/state`);
  if (!current()) return;
  if (!result.ok) { $("state-view").replaceChildren(el("p", { text: errorText(result) })); return; }
  state.stateData = result.data;
  const names = Object.keys(result.data.collections);
  fillSelect($("state-collection"), names.map((n) => [n, `${n} (${result.data.collections[n].rows.length})`]), true);
  renderCollection();
}

function cell(value) {
  if (value === null || value === undefined) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return text.length > 120 ? text.slice(0, 117) + "…" : text;
}

function renderCollection() {
  const name = $("state-collection").value;
  const data = state.stateData && state.stateData.collections[name];
  if (!data) { $("state-view").replaceChildren(); return; }
  const rows = data.rows;
  $("state-summary").textContent = `${rows.length} row(s) in ${name}`;
  if ($("state-json").checked) {
    $("state-view").replaceChildren(el("pre", { class: "state-json", text: JSON.stringify(rows, null, 2) }));
    return;
  }
  const shown = rows.slice(0, 200);
  const columns = [...new Set(shown.flatMap((row) => Object.keys(row)))];
  $("state-view").replaceChildren(...[
    el("table", { id: "state-table" },
      el("thead", {}, el("tr", {}, columns.map((c) => el("th", { text: c })))),
      el("tbody", {}, shown.map((row) => el("tr", {}, columns.map((c) => el("td", { text: cell(row[c]) })))))),
    rows.length > shown.length ? el("p", { class: "muted", text: `${rows.length - shown.length} more: use JSON or Export` }) : null,
    rows.length ? null : el("p", { class: "muted empty", text: "This collection is empty." })].filter(Boolean));
}

async function resetState() {
  const api = $("state-api").value;
  const result = await call("POST", `/apis/${encodeURIComponent(api)}/reset`);
  notice(result.ok ? `${api}: reset to its seed data.` : errorText(result), result.ok ? "" : "error");
  await loadState();
}

async function exportState() {
  const api = $("state-api").value;
  const result = await call("GET", `/apis/${encodeURIComponent(api)}/state`);
  if (!result.ok) { notice(errorText(result), "error"); return; }
  const blob = new Blob([JSON.stringify(result.data, null, 2)], { type: "application/json" });
  const link = el("a", { href: URL.createObjectURL(blob), download: `${api}-state.json` });
  document.body.append(link); link.click(); link.remove();
}

async function importState(event) {
  const file = event.target.files[0];
  if (!file) return;
  const api = $("state-api").value;
  const result = await call("PUT", `/apis/${encodeURIComponent(api)}/state`, await file.text());
  notice(result.ok ? `${api}: state imported from ${file.name}.` : errorText(result), result.ok ? "" : "error");
  event.target.value = "";
  await loadState();
}

// -- webhooks -----------------------------------------------------------------------------------------------------
async function loadWebhooks() {
  const api = $("wh-api").value;
  if (!api) {
    $("wh-receivers").replaceChildren(el("p", { class: "muted", text: "No API here sends webhooks." }));
    $("wh-deliveries").replaceChildren();
    return;
  }
  const base = `/apis/${encodeURIComponent(api)}`;
  const current = ticket("webhooks");
  const receivers = await call("GET", `${base}/webhooks`);
  if (!current()) return;
  $("wh-receivers").replaceChildren(receivers.ok && receivers.data.length ? el("table", { id: "wh-receiver-table" },
    el("thead", {}, el("tr", {}, ["id", "tenant", "url", "events", "active"].map((c) => el("th", { text: c })))),
    el("tbody", {}, receivers.data.map((r) => el("tr", {}, el("td", { text: r.id }), el("td", { text: r.tenant }),
      el("td", { class: "path", text: r.url }), el("td", { text: r.event_types.join(", ") || "all" }),
      el("td", { text: r.active ? "yes" : "no" })))))
    : el("p", { class: "muted", text: receivers.ok ? "No receivers registered (POST /__apitwin/apis/{api}/webhooks)." : errorText(receivers) }));
  const status = $("wh-status").value;
  const deliveries = await call("GET", `${base}/deliveries${status ? "?status=" + status : ""}`);
  if (!current()) return;
  if (!deliveries.ok) { $("wh-deliveries").replaceChildren(el("p", { text: errorText(deliveries) })); return; }
  const rows = deliveries.data.slice().reverse();
  $("wh-deliveries").replaceChildren(rows.length ? el("table", { id: "wh-delivery-table" },
    el("thead", {}, el("tr", {}, ["id", "receiver", "event", "status", "attempts", "last attempt", ""].map((c) => el("th", { text: c })))),
    el("tbody", {}, rows.map((d) => deliveryRow(base, d))))
    : el("p", { class: "muted", text: "No deliveries." }));
}

function deliveryRow(base, d) {
  const last = d.attempts[d.attempts.length - 1];
  const lastText = last ? `${last.status_code ?? ""} ${last.error || ""} (${last.latency_ms} ms)`.trim() : "-";
  const buttons = [];
  if (d.status === "dead" || d.status === "delivered") {
    buttons.push(el("button", { type: "button", class: "resend", onclick: async () => {
      const result = await call("POST", `${base}/deliveries/${d.id}/resend`);
      notice(result.ok ? `Delivery ${d.id} queued again.` : errorText(result), result.ok ? "" : "error");
      loadWebhooks();
    } }, "Re-send"));
  }
  if (d.status === "dead" && !d.acknowledged_at) {
    buttons.push(" ", el("button", { type: "button", onclick: async () => {
      const result = await call("POST", `${base}/deliveries/${d.id}/acknowledge`);
      notice(result.ok ? `Dead letter ${d.id} acknowledged.` : errorText(result), result.ok ? "" : "error");
      loadWebhooks();
    } }, "Acknowledge"));
  }
  return el("tr", { "data-id": d.id, class: `delivery ${d.status}` }, el("td", { text: d.id }), el("td", { text: d.endpoint_id }),
    el("td", { text: d.event_type || "-" }), el("td", {}, el("span", { class: `badge ${d.status}`, text: d.status === "dead" ? "dead letter" : d.status })),
    el("td", { text: d.attempts.length }), el("td", { text: (d.dead_reason ? d.dead_reason + " · " : "") + lastText }),
    el("td", {}, buttons));
}

// -- clock and actions --------------------------------------------------------------------------------------------
function skeleton(schema) {
  const out = {};
  for (const name of (schema && schema.required) || []) {
    const property = (schema.properties || {})[name] || {};
    out[name] = property.enum ? property.enum[0] : property.type === "integer" || property.type === "number" ? 0 : "";
  }
  return out;
}

async function loadSimulation() {
  const api = $("sim-api").value;
  if (!api) return;
  const base = `/apis/${encodeURIComponent(api)}`;
  const current = ticket("simulation");
  const clock = await call("GET", `${base}/clock`);
  if (!current()) return;
  const interval = el("input", { type: "number", min: "0", max: "3600", step: "0.1", id: "clock-interval",
                                 value: clock.ok ? clock.data.interval_seconds : 0, "aria-label": "seconds per tick" });
  $("clock").replaceChildren(clock.ok ? el("div", { class: "action" },
    el("p", { id: "clock-state", text: `${clock.data.running ? "running" : "stopped"} · every ${clock.data.interval_seconds} s · ${clock.data.ticks} tick(s)` }),
    el("label", {}, "seconds per tick (0 stops) ", interval), " ",
    el("button", { type: "button", id: "clock-set", onclick: async () => {
      const result = await call("PUT", `${base}/clock`, { interval_seconds: Number(interval.value) });
      notice(result.ok ? `${api}: clock set.` : errorText(result), result.ok ? "" : "error");
      loadSimulation();
    } }, "Set")) : el("p", { text: errorText(clock) }));
  const actions = await call("GET", `${base}/actions`);
  if (!current()) return;
  if (!actions.ok) { $("actions").replaceChildren(el("p", { text: errorText(actions) })); return; }
  const entries = Object.entries(actions.data);
  $("actions").replaceChildren(...(entries.length ? entries.map(([name, action]) => {
    const body = el("textarea", { "aria-label": `${name} body` });
    body.value = JSON.stringify(skeleton(action.schema), null, 2);
    const output = el("pre", { class: "action-result", hidden: true });
    return el("div", { class: "action", id: `action-${name}` }, el("h3", { text: name }), el("p", { class: "muted", text: action.summary }), body,
      el("button", { type: "button", onclick: async () => {
        const result = await call("POST", `${base}/actions/${encodeURIComponent(name)}`, body.value || "{}");
        output.hidden = false;
        output.textContent = result.ok ? JSON.stringify(result.data, null, 2) : errorText(result);
      } }, `Run ${name}`), output);
  }) : [el("p", { class: "muted", text: "This API has no actions." })]));
}

// -- contract -----------------------------------------------------------------------------------------------------
async function loadContract() {
  const result = await call("GET", "/contract-runs/latest");
  const box = $("contract");
  if (result.status === 404) {
    box.replaceChildren(el("p", { class: "muted", text: "No contract run yet. Run `apitwin contract API --url " + location.origin +
      " --publish " + location.origin + "` and it shows here." }));
    return;
  }
  if (!result.ok) { box.replaceChildren(el("p", { text: errorText(result) })); return; }
  const run = result.data;
  const coverage = run.coverage || { percent: 0, operations: [] };
  const failures = [...(run.failures || []), ...(run.errors || [])];
  box.replaceChildren(...[
    el("div", { class: "card" },
      el("h2", {}, el("span", { class: `verdict ${run.passed ? "passed" : "failed"}`, text: run.passed ? "PASSED" : "FAILED" }),
        ` ${run.api} against ${run.target || "?"}`),
      el("p", { text: `${run.verdict || ""} · ${run.cases ?? "?"} cases in ${run.duration_seconds ?? "?"} s · received ${run.received_at}` }),
      el("p", { text: `status-code coverage ${coverage.percent} % (${coverage.exercised ?? "?"}/${coverage.counted ?? "?"})` })),
    el("h2", { text: `Failures (${failures.length})` }),
    failures.length ? failures.map((f) => el("div", { class: "failure" },
      el("h3", { text: `${f.operation}: ${f.title}` }),
      el("p", { class: "muted", text: `${f.check}${f.phase ? " · " + f.phase : ""}${f.status ? " · status " + f.status : ""}` }),
      f.message ? el("pre", { text: f.message }) : null,
      f.curl ? [el("p", {}, "Reproduce ", copyButton(() => f.curl, "Copy curl")), el("pre", { class: "curl", text: f.curl })] : null))
      : el("p", { class: "muted", text: "None." }),
    el("h2", { text: "Coverage per operation" }),
    el("table", { id: "coverage-table" },
      el("thead", {}, el("tr", {}, ["operation", "coverage", "exercised", "never occurred"].map((c) => el("th", { text: c })))),
      el("tbody", {}, coverage.operations.map((op) => {
        const documented = (op.documented || []).filter((c) => !String(c).startsWith("5")).length || 1;
        const share = Math.round(100 * Math.min(1, (op.exercised || []).filter((c) => !String(c).startsWith("5")).length / documented));
        const bar = el("span", { class: "bar", title: `${share} %` }, el("span", {}));
        bar.firstChild.style.width = `${share}%`;
        return el("tr", {}, el("td", { class: "path", text: op.operation }), el("td", {}, bar, ` ${share} %`),
          el("td", { text: (op.exercised || []).join(", ") || "-" }), el("td", { text: (op.missing || []).join(", ") || "-" }));
      })))].flat().filter(Boolean));
}

// -- wiring -------------------------------------------------------------------------------------------------------
const loaders = { requests: () => pollRequests(), apis: loadApis, state: loadState, webhooks: loadWebhooks,
                  simulation: loadSimulation, contract: loadContract };

function showTab(name) {
  for (const button of document.querySelectorAll("#tabs button")) button.classList.toggle("active", button.dataset.tab === name);
  for (const section of document.querySelectorAll("main > section")) section.hidden = section.id !== `tab-${name}`;
  history.replaceState(null, "", `#${name}`);
  loaders[name]();
}

function start() {
  for (const select of document.querySelectorAll("select")) {
    for (const option of select.querySelectorAll("option")) option.dataset.fixed = "";
  }
  $("token").value = state.token;
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.token = $("token").value.trim();
    sessionStorage.setItem("apitwin-token", state.token);
    notice("");
    loadApis().then(restartRequests);
  });
  for (const button of document.querySelectorAll("#tabs button")) button.addEventListener("click", () => showTab(button.dataset.tab));
  for (const id of ["req-api", "req-status"]) $(id).addEventListener("change", restartRequests);
  let typing = null;
  $("req-text").addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(restartRequests, 300); });
  $("req-live").addEventListener("change", schedulePolling);
  $("req-clear").addEventListener("click", async () => { await call("DELETE", "/requests"); restartRequests(); });
  $("state-api").addEventListener("change", () => { $("state-collection").value = ""; loadState(); });
  $("state-collection").addEventListener("change", renderCollection);
  $("state-json").addEventListener("change", renderCollection);
  $("state-reload").addEventListener("click", loadState);
  $("state-reset").addEventListener("click", resetState);
  $("state-export").addEventListener("click", exportState);
  $("state-import").addEventListener("change", importState);
  $("wh-api").addEventListener("change", loadWebhooks);
  $("wh-status").addEventListener("change", loadWebhooks);
  $("wh-reload").addEventListener("click", loadWebhooks);
  $("sim-api").addEventListener("change", loadSimulation);
  loadApis().then(() => {
    const tab = location.hash.slice(1);
    showTab(loaders[tab] ? tab : "requests");
    schedulePolling();
  });
}

start();
