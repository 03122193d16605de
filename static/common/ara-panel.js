// "What just happened" panels: listens to the simulated browser's registration events and shows, live,
// each registration hop by hop (request headers sent, response headers, outcome and why).
//
// The shim dispatches `attributionlab:registration` on window with detail =
// {mechanism, url, hops: [{url, reporting_origin, request_headers, response_status, response_headers,
// kind, status, explanation}], summary}. Any element with [data-ara-panel] becomes a panel; the script is
// loaded in <head>, before the shim, so no event is missed.
(function () {
  "use strict";
  const seen = [];

  function headerPairs(headers) {
    if (!headers) return [];
    if (Array.isArray(headers)) return headers.map((h) => (Array.isArray(h) ? h : [h.name, h.value]));
    return Object.entries(headers);
  }

  function interesting(name) {
    const n = String(name).toLowerCase();
    return n.startsWith("attribution-reporting") || n === "location";
  }

  const el = window.lab.el;

  // Registration headers are JSON: indent them so a person can read the fields.
  function pretty(value) {
    const text = String(value == null ? "" : value);
    if (!/^\s*[[{]/.test(text)) return text;
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return text; }
  }

  function headerList(headers, emptyText) {
    const pairs = headerPairs(headers).filter(([k]) => interesting(k));
    if (!pairs.length) return el("p", { class: "ara-muted" }, emptyText);
    return el(
      "dl",
      { class: "ara-headers" },
      pairs.flatMap(([k, v]) => [el("dt", {}, k + ":"), el("dd", {}, el("pre", {}, pretty(v)))]),
    );
  }

  function renderEvent(detail) {
    const hops = Array.isArray(detail.hops) ? detail.hops : [];
    const card = el("article", { class: "ara-event", "data-ara-event": detail.mechanism || "" }, [
      el("header", {}, [
        el("strong", {}, detail.mechanism || "registration"),
        " ",
        el("span", { class: "ara-muted" }, detail.url || ""),
      ]),
      detail.summary ? el("p", { class: "ara-summary ara-explanation", "data-ara-summary": "" }, detail.summary) : "",
    ]);
    hops.forEach((hop, i) => {
      card.append(
        el("section", { class: "ara-hop", "data-ara-hop": String(i + 1) }, [
          el("h4", {}, [
            `Hop ${i + 1}: `,
            el("code", {}, hop.url || ""),
            " ",
            window.lab.badge(hop.status || "?", hop.category, "ara-badge"),
          ]),
          el("p", { class: "ara-muted" }, [
            "Reporting origin ",
            el("code", {}, hop.reporting_origin || "?"),
            ` · answered ${hop.response_status == null ? "nothing" : "HTTP " + hop.response_status}`,
            hop.kind ? ` · ${hop.kind}` : "",
          ]),
          el("div", { class: "ara-cols" }, [
            el("div", {}, [el("h5", {}, "Request headers the browser sent"),
              headerList(hop.request_headers, "no Attribution-Reporting request headers")]),
            el("div", {}, [el("h5", {}, "Response headers the server answered"),
              headerList(hop.response_headers, "no Attribution-Reporting response headers")]),
          ]),
          hop.explanation && !(hops.length === 1 && hop.explanation === detail.summary)
            ? el("p", { class: "ara-explanation" }, hop.explanation)
            : "",
        ]),
      );
    });
    if (!hops.length) card.append(el("p", { class: "ara-muted" }, "No request was made."));
    return card;
  }

  function draw(panel, detail) {
    const list = panel.querySelector("[data-ara-events]") || panel;
    const empty = panel.querySelector("[data-ara-empty]");
    if (empty) empty.hidden = true;
    list.prepend(renderEvent(detail));
    panel.dataset.araCount = String(seen.length);
  }

  function panels() {
    return document.querySelectorAll("[data-ara-panel]");
  }

  window.addEventListener("attributionlab:registration", (event) => {
    const detail = event.detail || {};
    seen.push(detail);
    if (document.readyState !== "loading") panels().forEach((p) => draw(p, detail));
  });

  document.addEventListener("DOMContentLoaded", () => {
    panels().forEach((panel) => {
      seen.forEach((d) => draw(panel, d));
      setTimeout(() => {
        const lab = window.attributionLab;
        const note = panel.querySelector("[data-ara-mode]");
        if (!note) return;
        if (lab && lab.native) {
          note.textContent = "Your browser supports the Attribution Reporting API natively, so it registers "
            + "by itself: see chrome://attribution-internals for what it did.";
        } else if (!lab) {
          note.textContent = "The simulated browser's script did not load: is the server for "
            + "browser.localhost running?";
        }
      }, 1500);
    });
  });
  window.attributionLabPanel = { events: seen };
})();
