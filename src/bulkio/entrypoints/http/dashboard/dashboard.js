// The jobs dashboard: polls the REST API every second and renders imports, exports and the
// queue. Every value goes in through textContent (never as HTML): job data is untrusted.
"use strict";

const API = document.body.dataset.api;
const ACTIVE = new Set(["pending", "processing"]);
const POLL_MS = 1000;
const ERRORS_SHOWN = 20;  // the first ones; the report link has them all

async function call(path, options = {}) {
  const response = await fetch(API + path, { credentials: "same-origin", ...options });
  if (response.status === 401) { window.location.assign("/admin/login"); throw new Error("signed out"); }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail || `${response.status} ${response.statusText}`);
  return body;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

const number = (n) => (n ?? 0).toLocaleString("en-US");
const eta = (s) => (s == null ? "" : s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);

function progress(job) {
  const pct = job.progressPercentage ?? 0;
  return el("div", { class: "progress" },
    el("div", { class: "bar", role: "progressbar", "aria-valuenow": String(pct),
                "aria-valuemin": "0", "aria-valuemax": "100", "aria-label": `progress of ${job.id}` },
      el("span", { style: `width:${pct}%` })),
    el("span", { class: "pct", text: `${pct.toFixed(1)} %` }));
}

function actions(job) {
  const box = el("div", { class: "actions" });
  if (job.kind === "import" && job.errorCount > 0) {
    box.append(el("button", { type: "button", text: "errors", "data-action": "errors",
                              onclick: () => showErrors(job) }));
    box.append(el("a", { class: "button", text: "report",
                         href: `${API}/imports/${job.id}/errors/report?format=csv` }));
  }
  if (job.kind === "export" && job.downloadUrl) {
    box.append(el("a", { class: "button", text: "download", href: job.downloadUrl }));
  }
  if (ACTIVE.has(job.status)) {
    box.append(el("button", { type: "button", class: "danger", text: "cancel", "data-action": "cancel",
                              onclick: () => act(`/${job.kind}s/${job.id}/cancel`, {}) }));
  }
  const again = retryRequest(job);
  if (again) {
    box.append(el("button", { type: "button", text: "retry", "data-action": "retry",
                              onclick: () => act(again.path, again.body) }));
  }
  return box;
}

// Retry: a failed job resumes (POST …/resume: an import continues after its last committed
// batch). A cancelled URL import or export is asked for again as a new job; a cancelled upload
// has to be uploaded again.
function retryRequest(job) {
  if (job.status === "failed") return { path: `/${job.kind}s/${job.id}/resume`, body: {} };
  if (job.status !== "cancelled") return null;
  if (job.kind === "export") {
    return { path: "/exports", body: { resourceType: job.resourceType, format: job.format,
                                       filters: job.filters, fields: job.fields || undefined } };
  }
  if (job.fileUrl) {
    return { path: "/imports", body: { resourceType: job.resourceType, fileUrl: job.fileUrl,
                                       format: job.format || undefined, dryRun: job.dryRun } };
  }
  return null;
}

async function act(path, body) {
  try {
    await call(path, { method: "POST", headers: { "Content-Type": "application/json" },
                       body: JSON.stringify(body) });
    await refresh();
  } catch (error) { problem(error); }
}

function jobRow(job) {
  const counts = job.kind === "import"
    ? `${number(job.processedRows)} · ${number(job.createdRows)} · ${number(job.updatedRows)} · ` +
      `${number(job.skippedRows)} · ${number(job.failedRows)}`
    : `${number(job.exportedRows)} · ${number(job.metrics?.totalBytes)} B`;
  const first = job.kind === "import" && job.errors?.length
    ? `row ${job.errors[0].row}: ${job.errors[0].message}` : (job.failureReason || "");
  return el("tr", { "data-job-id": job.id, "data-status": job.status, class: job.status },
    el("td", {}, el("code", { text: job.id.slice(0, 8), title: job.id })),
    el("td", { text: job.resourceType }),
    el("td", {}, el("span", { class: `status ${job.status}`, text: job.status })),
    el("td", {}, progress(job)),
    el("td", { text: number(Math.round(job.metrics?.rowsPerSecond ?? 0)) }),
    el("td", { text: eta(job.etaSeconds) }),
    el("td", { text: counts }),
    el("td", { class: "first-error", text: first }),
    el("td", {}, actions(job)));
}

function fill(tableId, jobs) {
  document.querySelector(`#${tableId} tbody`).replaceChildren(...jobs.map(jobRow));
}

function fillQueue(queue) {
  document.getElementById("q-ready").textContent = number(queue.ready);
  document.getElementById("q-delayed").textContent = number(queue.delayed);
  document.getElementById("q-dead").textContent = number(queue.deadLettered);
  document.getElementById("q-workers").replaceChildren(...queue.workers.map(
    (w) => el("li", { text: `${w.name} · ${new Date(w.lastSeen).toLocaleTimeString()}` })));
  document.getElementById("q-waiting").replaceChildren(...queue.waiting.map(
    (j) => el("li", { text: `${j.kind} ${j.resourceType} ${j.id.slice(0, 8)} · since ` +
                            new Date(j.createdAt).toLocaleTimeString() })));
}

async function showErrors(job) {
  try {
    const page = await call(`/imports/${job.id}/errors?limit=${ERRORS_SHOWN}`);
    const panel = document.getElementById("errors");
    document.getElementById("errors-title").textContent =
      `Row errors of ${job.id.slice(0, 8)} (${number(page.total)})`;
    panel.querySelector("tbody").replaceChildren(...page.errors.map((e) => el("tr", {},
      el("td", { text: String(e.row) }), el("td", { text: e.field ?? "" }),
      el("td", {}, el("code", { text: e.code })), el("td", { text: e.message }),
      el("td", { text: e.value == null ? "" : JSON.stringify(e.value) }))));
    panel.hidden = false;
    panel.scrollIntoView({ block: "nearest" });
  } catch (error) { problem(error); }
}

function problem(error) {
  const box = document.getElementById("problem");
  box.textContent = String(error.message || error);
  box.hidden = false;
}

async function refresh() {
  const [imports, exports, queue] = await Promise.all([
    call("/imports?limit=25"), call("/exports?limit=25"), call("/queue")]);
  fill("imports", imports.items);
  fill("exports", exports.items);
  fillQueue(queue);
  document.getElementById("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
  document.getElementById("problem").hidden = true;
}

async function poll() {
  try { await refresh(); } catch (error) { problem(error); }
  setTimeout(poll, POLL_MS);
}

document.getElementById("errors-close").addEventListener("click", () => {
  document.getElementById("errors").hidden = true;
});
poll();
