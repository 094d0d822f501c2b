// The status page: plain JavaScript over the same /v1 API and token as any other caller.
// Pipelines refresh every 5 s; the selected pipeline's run going is watched live (server-sent
// events read with fetch, which, unlike EventSource, can send the token).
"use strict";

const tokenKey = "rapidbyte-token";
let selected = new URLSearchParams(location.search).get("pipeline");
let watching = null; // the run id being watched

const $ = (id) => document.getElementById(id);

function token() {
  // A token in the fragment (never sent to a server) is taken into this tab's storage.
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("token")) {
    sessionStorage.setItem(tokenKey, fragment.get("token"));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(tokenKey);
}

class Unauthorized extends Error {}

async function api(path, init = {}) {
  const headers = { Accept: "application/json", ...(init.headers || {}) };
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const response = await fetch(path, { ...init, headers });
  if (response.status === 401 || response.status === 403) throw new Unauthorized(await problem(response));
  if (!response.ok) throw new Error(await problem(response));
  return response;
}

async function problem(response) {
  try {
    const body = await response.json();
    return body.detail || body.title || `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text ?? "";
  if (className) td.className = className;
  return td;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : "");
const seconds = (duration) => {
  // TimeSpan as .NET writes it: [d.]hh:mm:ss[.fffffff]
  const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(duration || "");
  return m ? (+(m[1] || 0)) * 86400 + (+m[2]) * 3600 + (+m[3]) * 60 + (+m[4]) : 0;
};
const rowsOf = (run) => run.streams.reduce((sum, s) => sum + s.rows_written, 0);
const statusCell = (row, status) => cell(row, status, `status-${status}`);

async function refreshPipelines() {
  const pipelines = await (await api("/v1/pipelines")).json();
  const body = $("pipelines").tBodies[0];
  body.replaceChildren();
  for (const p of pipelines.sort((a, b) => a.name.localeCompare(b.name))) {
    const row = body.insertRow();
    row.className = "pick" + (p.name === selected ? " selected" : "");
    row.dataset.pipeline = p.name;
    row.addEventListener("click", () => select(p.name));
    cell(row, p.name);
    cell(row, p.version, "number");
    cell(row, p.schedule ? p.schedule + (p.paused ? " (paused)" : "") : "—");
    cell(row, when(p.next_occurrence));
    if (p.last_outcome) statusCell(row, p.last_outcome.status); else cell(row, "—");
    cell(row, p.last_outcome ? when(p.last_outcome.started_at) : "");
  }
  $("no-pipelines").hidden = pipelines.length > 0;
  $("cluster-state").textContent = `${pipelines.length} pipeline(s) · updated ${new Date().toLocaleTimeString()}`;
}

function select(name) {
  selected = name;
  history.replaceState(null, "", `?pipeline=${encodeURIComponent(name)}`);
  for (const row of $("pipelines").tBodies[0].rows) row.classList.toggle("selected", row.dataset.pipeline === name);
  watching = null;
  $("run").hidden = true;
  refreshPipeline();
}

async function refreshPipeline() {
  if (!selected) return;
  $("pipeline").hidden = false;
  $("pipeline-name").textContent = selected;
  const page = await (await api(`/v1/pipelines/${encodeURIComponent(selected)}/runs?limit=20`)).json();
  const body = $("history").tBodies[0];
  body.replaceChildren();
  for (const run of page.runs) {
    const row = body.insertRow();
    cell(row, run.run_id);
    cell(row, run.trigger + (run.scheduled_for ? ` ${when(run.scheduled_for)}` : ""));
    statusCell(row, run.status);
    cell(row, when(run.started_at));
    cell(row, `${seconds(run.duration).toFixed(1)} s`, "number");
    cell(row, rowsOf(run).toLocaleString(), "number");
    cell(row, [run.error, ...run.streams.filter((s) => s.error).map((s) => `${s.stream}: ${s.error}`)].filter(Boolean).join("\n"), "error");
  }
  const going = page.runs.find((r) => !["succeeded", "failed", "cancelled", "skipped"].includes(r.status));
  if (going && watching !== going.run_id) watch(selected, going);
}

function showRun(run) {
  $("run").hidden = false;
  $("run-id").textContent = run.run_id;
  const status = $("run-status");
  status.textContent = run.status;
  status.className = `status-${run.status}`;
  const rows = rowsOf(run);
  const bytes = run.streams.reduce((sum, s) => sum + s.bytes, 0);
  const duration = seconds(run.duration);
  $("run-rows").textContent = rows;
  $("run-mb").textContent = (bytes / 1e6).toFixed(1);
  $("run-rate").textContent = duration > 0 ? Math.round(rows / duration).toLocaleString() : "0";
  $("run-duration").textContent = duration.toFixed(1);
  const body = $("run-streams").tBodies[0];
  body.replaceChildren();
  for (const s of run.streams) {
    const row = body.insertRow();
    cell(row, s.stream);
    statusCell(row, s.status);
    cell(row, s.rows_written.toLocaleString(), "number");
    cell(row, (s.bytes / 1e6).toFixed(1), "number");
    cell(row, Math.round(s.rows_per_second).toLocaleString(), "number");
    cell(row, s.error, "error");
  }
}

// Reads the run's server-sent events until its outcome; reconnects if the stream breaks.
async function watch(pipeline, run) {
  watching = run.run_id;
  showRun(run);
  const path = `/v1/pipelines/${encodeURIComponent(pipeline)}/runs/${encodeURIComponent(run.run_id)}/events`;
  while (watching === run.run_id) {
    try {
      const response = await api(path, { headers: { Accept: "text/event-stream" } });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done || watching !== run.run_id) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
          if (!data) continue;
          const snapshot = JSON.parse(data);
          if (watching === run.run_id) showRun(snapshot);
          if (["succeeded", "failed", "cancelled", "skipped"].includes(snapshot.status)) {
            watching = null;
            refreshPipeline().catch(report);
            refreshPipelines().catch(report);
            return;
          }
        }
      }
    } catch (e) {
      if (e instanceof Unauthorized) throw e;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function report(e) {
  if (e instanceof Unauthorized) {
    $("content").hidden = true;
    $("token-form").hidden = false;
    $("token-error").textContent = token() ? e.message : "";
    $("cluster-state").textContent = "not signed in";
  } else {
    $("cluster-state").textContent = `error: ${e.message}`;
  }
}

async function tick() {
  try {
    await refreshPipelines();
    $("token-form").hidden = true;
    $("content").hidden = false;
    await refreshPipeline();
  } catch (e) {
    report(e);
  }
}

$("token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem(tokenKey, $("token-input").value.trim());
  $("token-input").value = "";
  tick();
});

tick();
setInterval(tick, 5000);
