// Live dashboard: polls /api/dashboard and redraws. No framework, only DOM building with textContent.
(function () {
  "use strict";
  const POLL_MS = 3000;
  const LABELS = {
    "event-level": "Event-level reports",
    "aggregatable": "Aggregatable reports",
    "event-level-debug": "Event-level debug copies",
    "aggregatable-debug-copy": "Aggregatable debug copies",
    "verbose-debug": "Verbose debug reports",
    "aggregate-debug": "Aggregatable debug reports",
  };
  const $ = (id) => document.getElementById(id);
  let filter = "";

  const el = window.lab.el;

  // Epoch seconds as a date and a relative time: "2026-12-03 10:42 (in 4 min)".
  function when(seconds) {
    const t = Number(seconds);
    if (!Number.isFinite(t) || !t) return "?";
    const date = new Date(t * 1000);
    const minutes = Math.round((date.getTime() - Date.now()) / 60000);
    const rel = Math.abs(minutes) < 1 ? "now" : Math.abs(minutes) < 120
      ? (minutes > 0 ? `in ${minutes} min` : `${-minutes} min ago`)
      : (minutes > 0 ? `in ${Math.round(minutes / 60)} h` : `${Math.round(-minutes / 60)} h ago`);
    return `${date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" })} (${rel})`;
  }
  function day(seconds) {
    const t = Number(seconds);
    return Number.isFinite(t) && t ? new Date(t * 1000).toLocaleDateString([], { dateStyle: "medium", timeZone: "UTC" }) : "?";
  }
  function ago(iso) {
    return when(Date.parse(iso) / 1000);
  }

  // A report's or a registration's status, coloured by the category the server sends with it.
  function statusBadge(item) {
    return window.lab.badge(item.status, item.category);
  }

  // Which browser sent a report or a registration: read by the ad tech from the User-Agent at receipt.
  function senderBadge(sender) {
    const s = sender || { key: "unknown", label: "unknown", explanation: "" };
    const text = s.key === "chrome" ? "real " + s.label : s.label;
    return el("span", { class: "badge sender sender-" + s.key, title: s.explanation, "data-sender": s.key }, text);
  }

  function senders(byBrowser) {
    const box = $("senders");
    box.replaceChildren();
    const names = { chrome: "Real Chrome (native ARA)", simulated: "Simulated browser", other: "Other clients", unknown: "No User-Agent" };
    const keys = Object.keys(byBrowser || {});
    if (!keys.length) { box.append(el("span", { class: "muted" }, "Nothing received yet.")); return; }
    for (const key of keys) {
      const b = byBrowser[key];
      const src = b.registrations.source || 0, trg = b.registrations.trigger || 0;
      const reps = Object.values(b.reports).reduce((a, n) => a + n, 0);
      box.append(el("div", { "data-sender-summary": key }, el("span", { class: "badge sender sender-" + key }, names[key] || key), " ",
        `${src} source and ${trg} trigger registrations answered, ${reps} report${reps === 1 ? "" : "s"} received`));
    }
  }

  function kindCards(summary) {
    const box = $("kind-cards");
    box.replaceChildren();
    for (const [kind, label] of Object.entries(LABELS)) {
      const statuses = summary.reports_by_status[kind] || {};
      const detail = Object.entries(statuses).map(([s, n]) => `${n} ${s}`).join(", ") || "none yet";
      box.append(el("div", { class: "card stat" }, el("div", { class: "stat-n" }, summary.reports_by_kind[kind] || 0),
        el("div", {}, label), el("div", { class: "muted small" }, detail)));
    }
    box.append(el("div", { class: "card stat" }, el("div", { class: "stat-n" }, summary.unbatched_aggregatable),
      el("div", {}, "Aggregatable reports waiting for a summary report"),
      el("div", { class: "muted small" }, summary.unbatched_aggregatable ? "create one under Summary reports" : "none: every one is in a job")));
    const regs = Object.entries(summary.registrations);
    const total = regs.reduce((sum, [, n]) => sum + n, 0);
    box.append(el("div", { class: "card stat" }, el("div", { class: "stat-n" }, total),
      el("div", {}, "Registration requests answered"),
      el("div", { class: "muted small" }, regs.map(([k, n]) => `${n} ${k.replace(":", " ")}`).join(", ") || "none yet")));
  }

  function conversions(rows) {
    const body = $("conversions");
    body.replaceChildren();
    if (!rows.length) body.append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, "No conversions reported yet.")));
    for (const r of rows) {
      const campaign = r.campaign || el("span", { class: "muted" }, r.campaign_note || "not known");
      body.append(el("tr", {}, el("td", {}, campaign), el("td", {}, r.event || el("span", { class: "muted" }, "not known")), el("td", {}, r.event_level_reports || 0),
        el("td", {}, r.aggregatable_reports || 0), el("td", {}, r.debug_count_sum || 0), el("td", {}, r.debug_value_sum || 0)));
    }
  }

  function describe(report) {
    const d = report.decoded || {};
    if (report.status === "invalid") return el("p", { class: "err-text" }, "Rejected by processing: " + report.error);
    if (report.status === "failed") return el("p", { class: "err-text" }, "Could not be processed: " + report.error);
    if (report.status === "duplicate") {
      return el("p", { class: "muted" }, `A copy of report #${report.duplicate_of} (same report_id): stored, counted once.`);
    }
    if (report.kind === "verbose-debug") {
      const list = el("ul", { class: "explained" });
      for (const item of d.items || []) {
        list.append(el("li", {}, el("code", {}, item.type), " — ", item.what, el("br"), el("span", { class: "fix" }, "What to change: " + item.fix)));
      }
      return list;
    }
    if (report.kind === "event-level" || report.kind === "event-level-debug") {
      return el("p", {}, `${d.source_type} source ${d.source_event_id} (campaign ${d.campaign || "?"}, ad ${d.creative || "?"}) → `,
        el("strong", {}, d.event || `trigger data ${d.trigger_data}`), ` · destination ${d.attribution_destination}` +
        ` · randomized_trigger_rate ${d.randomized_trigger_rate} · scheduled ${when(d.scheduled_report_time)}` +
        (d.source_debug_key ? ` · debug keys ${d.source_debug_key}/${d.trigger_debug_key}` : ""));
    }
    const info = d.shared_info || {};
    const parts = [el("span", {}, `${info.api || ""} · campaign ${d.campaign || "not known (encrypted, no debug cleartext)"} · destination ${info.attribution_destination || "?"} · scheduled ${when(info.scheduled_report_time)}` +
      (info.source_registration_time ? ` · source registered on ${day(info.source_registration_time)}` : "") + ` · key ${d.key_id || "?"}`)];
    if (d.encrypted_only) {
      parts.push(el("p", { class: "muted" }, "Payload encrypted: only the aggregation service can read it (no debug cleartext)."));
    } else {
      const list = el("ul", {});
      for (const c of d.contributions || []) list.append(el("li", {}, el("code", {}, c.key), ` = ${c.value} (${c.label})`));
      if (!(d.contributions || []).length) list.append(el("li", { class: "muted" }, "no contributions: a null report (it hides whether a conversion happened)"));
      parts.push(list);
    }
    if (report.batch_job_id) parts.push(el("p", { class: "muted" }, "In aggregation job " + report.batch_job_id));
    return el("div", {}, ...parts);
  }

  function reportsList(reports) {
    const box = $("reports");
    const shown = reports.filter((r) => !filter || r.kind === filter);
    if (!shown.length) return;
    box.replaceChildren();
    for (const r of shown) {
      box.append(el("article", { class: "report card" },
        el("header", {}, senderBadge(r.browser), " ", el("span", { class: "badge kind" }, r.kind_label), " ", statusBadge(r), " ",
          el("span", { class: "muted" }, `#${r.id} · received ${ago(r.received_at)} · ${r.reporting_origin}` + (r.report_id ? ` · ${r.report_id}` : ""))),
        describe(r),
        el("details", {}, el("summary", {}, "Raw body as received"), el("pre", {}, r.body))));
    }
  }

  function registrations(rows) {
    const body = $("registrations");
    body.replaceChildren();
    if (!rows.length) body.append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, "No registration requests yet.")));
    for (const r of rows) {
      const why = el("td", {}, r.reason);
      if (r.header_value) why.append(el("details", {}, el("summary", {}, r.answered_header), el("pre", {}, JSON.stringify(JSON.parse(r.header_value), null, 2))));
      if (r.redirect_to) why.append(el("div", { class: "muted" }, "302 → " + r.redirect_to));
      body.append(el("tr", {}, el("td", {}, new Date(r.received_at).toLocaleTimeString()), el("td", {}, senderBadge(r.browser)),
        el("td", {}, r.kind + (r.event ? ` (${r.event})` : r.campaign ? ` (${r.campaign})` : "")), el("td", {}, statusBadge(r)),
        el("td", {}, r.eligible_header === null ? el("span", { class: "muted" }, "absent") : el("code", {}, r.eligible_header)), why));
    }
  }

  // Reports can arrive at any time, so the page polls while it is visible; after two minutes without
  // anything new (and nothing pending) it stops, and a visit back to the tab starts it again.
  const IDLE_AFTER_MS = 120000;
  let last = "", lastChange = Date.now(), timer = null;

  function schedule() {
    if (timer !== null || document.hidden) return;
    if (Date.now() - lastChange > IDLE_AFTER_MS) {
      window.lab.setBadge($("live-status"), "paused: nothing new for 2 minutes (come back to the tab to resume)", null);
      return;
    }
    timer = window.setTimeout(() => { timer = null; poll(); }, POLL_MS);
  }

  document.addEventListener("visibilitychange", () => {
    if (document.hidden) { if (timer !== null) { window.clearTimeout(timer); timer = null; } return; }
    lastChange = Date.now();
    poll();
  });

  async function poll() {
    try {
      const response = await fetch("/api/dashboard", { cache: "no-store" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const data = await response.json();
      const text = JSON.stringify(data);
      const pending = Object.values(data.summary.reports_by_status).some((s) => s.pending);
      if (text !== last || pending) lastChange = Date.now();
      last = text;
      kindCards(data.summary);
      senders(data.summary.by_browser);
      conversions(data.summary.conversions);
      reportsList(data.reports);
      registrations(data.registrations);
      window.lab.setBadge($("live-status"), "live · updated " + new Date().toLocaleTimeString(), "ok");
    } catch (err) {
      window.lab.setBadge($("live-status"), "not updating: " + err.message, "error");
    }
    schedule();
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("kind-filter").addEventListener("change", (e) => { filter = e.target.value; poll(); });
    poll();
  });
})();
