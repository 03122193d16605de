// Attribution internals: renders the tables from /api/internals and refreshes them every 2 s.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("internals-data").textContent);

  var el = window.lab.el;
  var badge = window.lab.badge;
  function td(children) { return el("td", {}, children); }
  function text(v) { return v == null || v === "" ? "—" : String(v); }
  function when(iso) { return iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "Z") : "—"; }
  function pre(obj) { return el("pre", {}, typeof obj === "string" ? obj : JSON.stringify(obj, null, 2)); }
  function fold(label, obj) { return el("details", {}, [el("summary", {}, label), pre(obj)]); }
  // An origin that may wrap only between its parts (after "://", before the port), never mid-word.
  function origin(o) {
    var m = /^([a-z][a-z0-9+.-]*:\/\/)([^:/]+)(:\d+)?$/i.exec(String(o || ""));
    if (!m) return el("span", {}, text(o));
    return el("span", { class: "origin" }, [m[1], el("wbr"), m[2], m[3] ? el("wbr") : null, m[3] || null]);
  }
  function originList(pairs) {
    return el("ul", { class: "kv" }, pairs.filter(function (p) { return p[1]; }).map(function (p) {
      return el("li", {}, [el("b", {}, p[0] + ": "), origin(p[1])]);
    }));
  }
  function list(pairs) {
    return el("ul", { class: "kv" }, pairs.filter(function (p) { return p[1] != null && p[1] !== ""; }).map(function (p) {
      return el("li", {}, [el("b", {}, p[0] + ": "), String(p[1])]);
    }));
  }

  function sourceRow(s) {
    var dests = s.destination_sites || [];
    var ends = (s.event_report_window_ends || []).map(when).join(", ");
    return el("tr", { "data-source-id": s.source_id }, [
      td([text(s.source_event_id)]),
      td([badge(s.status, s.category)]),
      td([s.source_type]),
      el("td", { class: "origins" }, [originList([["source", s.source_origin], ["reporting", s.reporting_origin]])]),
      td([dests.join(", ")]),
      el("td", { class: "times" }, [list([["registered", when(s.source_time)], ["expiry", when(s.expiry_time)],
        ["event windows end", ends], ["aggregatable window ends", when(s.aggregatable_report_window_end)]])]),
      td([text(s.priority)]),
      td([list([["event-level", s.num_event_reports + " / " + s.max_event_level_reports],
        ["aggregatable", s.num_aggregatable_reports], ["budget left", s.remaining_aggregatable_budget + " / 65536"],
        ["epsilon", s.event_level_epsilon], ["trigger data", (s.trigger_data || []).join(", ")]])]),
      td([fold("filter data", s.filter_data), fold("aggregation keys", s.aggregation_keys),
        s.named_budgets && Object.keys(s.named_budgets).length ? fold("named budgets", s.named_budgets) : null,
        s.attribution_scopes ? fold("attribution scopes", s.attribution_scopes) : null]),
      td([text(s.debug_key)])
    ]);
  }

  function hopRow(r) {
    var detail = r.detail || {};
    var header = Object.keys(r.response_headers || {}).length ? fold("response headers", r.response_headers) : null;
    return el("tr", { "data-kind": r.kind }, [
      td([when(r.time)]),
      td([r.mechanism, r.frame_origin && r.frame_origin !== r.context_origin ? el("div", { class: "muted" }, "in a frame of " + r.frame_origin) : el("br"),
        el("code", {}, "Eligible: " + (r.eligible || "(empty)"))]),
      td([r.context_origin]),
      td([el("div", {}, r.url), el("div", { class: "muted" }, r.reporting_origin + (r.hop ? " (redirect hop " + r.hop + ")" : ""))]),
      td([text(r.response_status)]),
      td([badge(r.status || r.kind, r.category)]),
      td([r.explanation, header, fold("request headers", r.request_headers),
        detail.errors && detail.errors.length ? fold("parse errors", detail.errors) : null,
        detail.value ? fold("parsed header", detail.value) : null])
    ]);
  }

  function navigationRow(n) {
    return el("tr", { "data-state": n.state }, [
      td([when(n.time)]),
      td([n.mechanism === "anchor" ? "<a attributionsrc> click" : "window.open"]),
      td([el("div", {}, n.context_origin), el("div", { class: "muted" }, "→ " + (n.navigation_url || "—"))]),
      td([n.url]),
      td([badge(n.state, n.category)]),
      td([n.summary || (n.state === "running" ? "Registering while the navigation goes on." : "")])
    ]);
  }

  function cookieRow(c) {
    var attrs = [c.secure ? "Secure" : null, c.http_only ? "HttpOnly" : null, "SameSite: " + c.same_site]
      .filter(Boolean).join(", ");
    return el("tr", {}, [
      td([el("code", {}, c.name)]), td([el("code", {}, c.value)]),
      td([c.domain + (c.host_only ? "" : " and its subdomains")]), td([c.path]), td([attrs]),
      td([c.expires_ms == null ? "when the data is cleared" : when(new Date(c.expires_ms).toISOString())])
    ]);
  }

  function reportRow(r) {
    var send = null;
    if (r.status === "pending") {
      send = el("button", { class: "small", type: "button", "data-send": r.report_id }, "Send now");
    }
    var scheduled = r.original_report_time || r.report_time;
    var timeBits = [when(scheduled)];
    if (r.status === "pending" && when(scheduled) !== when(r.report_time)) timeBits.push(el("div", { class: "muted" }, "next attempt " + when(r.report_time)));
    return el("tr", { "data-report-id": r.report_id, "data-status": r.status }, [
      td([badge(r.status, r.category), el("div", { class: "muted" }, r.kind + (r.is_null ? " (null report)" : ""))]),
      td(timeBits),
      td([r.url]),
      td([list([["attempts", r.attempts], ["HTTP", r.response_status], ["sent", r.sent_at ? when(r.sent_at) : null]]),
        r.delivery_note ? el("div", {}, r.delivery_note) : null]),
      td([fold("body", r.body)]),
      td([send])
    ]);
  }

  var TABLES = {
    "sources": function (d) { return d.sources.map(sourceRow); },
    "source-registrations": function (d) { return d.source_registrations.map(hopRow); },
    "trigger-registrations": function (d) { return d.trigger_registrations.map(hopRow); },
    "other-registrations": function (d) { return d.other_registrations.map(hopRow); },
    "event-reports": function (d) { return d.reports.filter(function (r) { return r.kind === "event-level"; }).map(reportRow); },
    "aggregatable-reports": function (d) { return d.reports.filter(function (r) { return r.kind === "aggregatable"; }).map(reportRow); },
    "debug-reports": function (d) { return d.reports.filter(function (r) { return r.kind !== "event-level" && r.kind !== "aggregatable"; }).map(reportRow); },
    "navigations": function (d) { return (d.navigations || []).map(navigationRow); },
    "cookies": function (d) { return (d.cookies || []).map(cookieRow); }
  };

  function renderState(s) {
    document.getElementById("clock-now").textContent = when(s.now);
    var off = s.clock_offset_ms;
    document.getElementById("clock-offset").textContent = off ? "Ahead of real time by " + duration(off) + "." : "Real time.";
    document.getElementById("next-report").textContent = s.next_report_time ? when(s.next_report_time) : "none waiting";
    document.getElementById("debug-mode").textContent = s.debug_mode ? "On" : "Off";
    document.getElementById("debug-enabled").value = s.debug_mode ? "0" : "1";
    document.getElementById("debug-toggle").textContent = s.debug_mode ? "Turn debug mode off" : "Turn debug mode on";
    document.getElementById("third-party-cookies").textContent = s.third_party_cookies ? "Allowed" : "Blocked";
    document.getElementById("third-party-allowed").value = s.third_party_cookies ? "0" : "1";
    document.getElementById("third-party-toggle").textContent = s.third_party_cookies ? "Block third-party cookies" : "Allow third-party cookies";
    var c = s.summary, counts = document.getElementById("counts");
    counts.textContent = "";
    [["Sources (navigation / event)", c.sources.navigation + " / " + c.sources.event], ["Active sources", c.active_sources],
     ["Trigger registrations", c.trigger_registrations], ["Reports pending", c.reports_pending],
     ["Reports sent", c.reports_sent], ["Reports failed", c.reports_failed]].forEach(function (p) {
      counts.appendChild(el("dt", {}, p[0]));
      counts.appendChild(el("dd", {}, String(p[1])));
    });
  }

  function duration(ms) {
    var s = Math.floor(ms / 1000), d = Math.floor(s / 86400), hr = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    var parts = [];
    if (d) parts.push(d + " d");
    if (hr) parts.push(hr + " h");
    if (m || !parts.length) parts.push(m + " min");
    return parts.join(" ");
  }

  function render(d) {
    renderState(d.state);
    Object.keys(TABLES).forEach(function (key) {
      var rows = TABLES[key](d);
      var body = document.querySelector("#" + key + "-table tbody");
      body.textContent = "";
      rows.forEach(function (r) { body.appendChild(r); });
      document.querySelector("#" + key + "-table").hidden = rows.length === 0;
      document.querySelector('[data-empty="' + key + '"]').hidden = rows.length > 0;
      document.querySelector('[data-count="' + key + '"]').textContent = "(" + rows.length + ")";
    });
  }

  function refresh(force) {
    if (!force && !document.getElementById("live-updates").checked) return;
    if (!force && document.querySelector("table.data details[open]")) return;  // do not close what a person is reading
    fetch("/api/internals", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(render).catch(function () {});
  }

  function showTab(name) {
    document.querySelectorAll("[data-panel]").forEach(function (p) { p.hidden = p.getAttribute("data-panel") !== name; });
    document.querySelectorAll("[data-tab]").forEach(function (a) { a.classList.toggle("active", a.getAttribute("data-tab") === name); });
  }
  function fromHash() { var n = location.hash.slice(1); showTab(TABLES[n] ? n : "sources"); }
  window.addEventListener("hashchange", fromHash);

  function act(name, body) {
    var token = document.querySelector("[name=csrfmiddlewaretoken]");
    return fetch("/api/actions/" + name, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
      body: JSON.stringify(body || {})
    }).then(function (r) { return r.json(); }).then(function (res) {
      var box = document.getElementById("action-result");
      box.hidden = false;
      box.textContent = res.explanation || res.error || JSON.stringify(res);
      refresh(true);
      return res;
    });
  }

  document.querySelectorAll("form[data-action]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var msg = form.getAttribute("data-confirm");
      if (msg && !window.confirm(msg)) return;
      var body = {};
      new FormData(form).forEach(function (v, k) { if (k !== "csrfmiddlewaretoken") body[k] = v; });
      act(form.getAttribute("data-action"), body);
    });
  });
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest && ev.target.closest("button[data-send]");
    if (!b) return;
    b.disabled = true;
    act("send-report", { report_id: b.getAttribute("data-send") });
  });

  fromHash();
  render(data);
  // Poll while the tab is visible and something is pending (reports waiting, registrations in flight);
  // with nothing pending for a minute it stops, and coming back to the tab refreshes once more.
  var quietSince = Date.now();
  setInterval(function () {
    if (document.hidden) return;
    var next = document.getElementById("next-report");
    var pending = next !== null && next.textContent.trim() !== "none waiting";
    if (pending) quietSince = Date.now();
    if (Date.now() - quietSince > 60000) return;
    refresh(false);
  }, 2000);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { quietSince = Date.now(); refresh(false); }
  });
})();
