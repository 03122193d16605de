/*
 * Attribution Lab shim: the page-side half of the simulated browser.
 *
 * Chrome removed the Attribution Reporting API, so current browsers ignore `attributionsrc`.
 * This script notices every registration a page asks for and hands it to the simulated
 * browser at {{ browser_origin }}, which makes the request with Chrome's headers, follows
 * redirects, stores sources, attributes triggers and later sends the reports.
 *
 * In a browser that still ships the API natively (detected through the
 * "attribution-reporting" permissions-policy feature; Chromium kept `attributionSrc` on
 * elements after removing the API, so that is no signal) the shim does nothing:
 * `window.attributionLab.native` is then true. Add ?attributionlab=simulate to a page's URL
 * to use the simulated browser anyway.
 *
 * Handled, as Chrome handled them:
 *   <a attributionsrc[="url url"]> / <area>  a click (or middle click) the page does not cancel ->
 *                                               navigation source, if the browser shows the navigation
 *                                               was started with user activation (see below)
 *   window.open(url, target, "attributionsrc=<percent-encoded url>")  (may repeat; empty = url), the
 *                                               same way, only when it opens an http(s) navigation
 *   <img attributionsrc>, <script attributionsrc>  empty value = the src URL registers, or a
 *                                               space-separated list of URLs; elements added later too
 *   fetch(url, {attributionReporting: {eventSourceEligible, triggerEligible}})
 *   xhr.setAttributionReporting({eventSourceEligible, triggerEligible}) before xhr.send()
 *
 * EVENT. After each registration (each URL) the shim dispatches on `window`:
 *
 *   window.addEventListener("attributionlab:registration", (e) => { e.detail ... });
 *
 *   e.detail = {
 *     mechanism: "anchor" | "window-open" | "img" | "script" | "fetch" | "xhr",
 *     url: "<the registration URL>",
 *     context_origin: "<top-level page origin>", frame_origin: "<origin of the frame that asked>",
 *     eligible: "<the Attribution-Reporting-Eligible value sent>",
 *     hops: [{url, reporting_origin, request_headers, response_status, response_headers,
 *             kind: "source" | "trigger" | "os-source" | "os-trigger" | "none" | "error",
 *             status: "<Chrome's attribution-internals status>", explanation: "<plain words>"}],
 *     error: "<why the chain stopped, or null>",
 *     summary: "<one paragraph for a person>"
 *   }
 *
 * Registrations made inside cross-origin ad iframes are forwarded to the parent page (by
 * postMessage from a trusted party origin) and dispatched there too, so the publisher's page
 * sees what its ads registered. A small collapsible panel on top-level pages lists every
 * outcome with a link to attribution internals; hide it with
 * <html data-attributionlab-panel="off">. `window.attributionLab.register(mechanism, url,
 * {eventSourceEligible, triggerEligible})` is available to pages for experiments (event sources
 * and triggers; the simulated browser refuses "anchor" and "window-open" there, as Chrome never
 * lets a script register a navigation source).
 *
 * NAVIGATIONS. The shim sends a click's navigation (and window.open's) through the simulated
 * browser's /navigate, which redirects at once to the real destination. The browser puts
 * Sec-Fetch-User: ?1 on a navigation only when the person started it; /navigate registers the
 * navigation sources only then, in the background while the navigation goes on, as Chrome does.
 * The destination page's triggers wait for those registrations (up to 10 s, as in Chrome).
 * A cancelled click navigates nowhere and registers nothing. A page that stays open (the link
 * opened a new tab) gets the outcome as an event too (the shim asks /api/navigations/<token>);
 * attribution internals lists them all. A link in a frame that targets _top or _parent asks
 * that frame's shim (postMessage) to navigate, since Chromium leaves Sec-Fetch-User off a
 * navigation one frame starts for another.
 */
(function () {
  "use strict";
  if (window.attributionLab && window.attributionLab.loaded) return;

  var BROWSER = "{{ browser_origin }}";
  var TRUSTED = {{ trusted_origins_json|safe }};
  var EVENT = "attributionlab:registration";
  var search = new URLSearchParams(location.search);

  function nativeSupport() {
    if (search.get("attributionlab") === "simulate" || window.attributionLabForceSimulation) return false;
    // Only the permissions-policy feature is a reliable signal: Chromium kept the
    // `attributionSrc` IDL attributes after removing the API itself.
    try {
      var policy = document.permissionsPolicy || document.featurePolicy;
      if (policy && policy.features && policy.features().indexOf("attribution-reporting") >= 0) return true;
    } catch (e) { /* not supported */ }
    return false;
  }

  if (nativeSupport()) {
    window.attributionLab = { loaded: true, native: true, browserOrigin: BROWSER };
    return;
  }

  var origFetch = window.fetch.bind(window);
  var outcomes = [];

  function resolve(url) {
    try { return new URL(url, document.baseURI).href; } catch (e) { return String(url); }
  }

  function parseList(value) {
    return (value || "").split(/\s+/).filter(Boolean).map(resolve);
  }

  function topOrigin() {
    if (window.top === window) return location.origin;
    var ao = location.ancestorOrigins;
    if (ao && ao.length) return ao[ao.length - 1];
    try { return window.top.location.origin; } catch (e) { /* cross-origin */ }
    try { return new URL(document.referrer).origin; } catch (e) { return location.origin; }
  }

  function publish(outcome, fromChild) {
    outcomes.push(outcome);
    window.dispatchEvent(new CustomEvent(EVENT, { detail: outcome }));
    if (window.parent !== window) {
      try { window.parent.postMessage({ type: EVENT, outcome: outcome }, "*"); } catch (e) { /* ignore */ }
    } else {
      panelAdd(outcome, fromChild);
    }
  }

  window.addEventListener("message", function (e) {
    var data = e.data;
    if (!data || data.type !== EVENT || !data.outcome || TRUSTED.indexOf(e.origin) < 0) return;
    publish(data.outcome, true);
  });

  // One registration at a time per page, in the order the page asked for them: a source and
  // a trigger registered by the same page are then processed in that order.
  var queue = Promise.resolve();

  function register(mechanism, url, opts) {
    var run = function () { return send(mechanism, url, opts); };
    var result = queue.then(run, run);
    queue = result.catch(function () {});
    return result;
  }

  function send(mechanism, url, opts) {
    opts = opts || {};
    var payload = {
      mechanism: mechanism,
      url: resolve(url),
      context_origin: topOrigin(),
      frame_origin: location.origin,
      event_source_eligible: !!opts.eventSourceEligible,
      trigger_eligible: !!opts.triggerEligible
    };
    // text/plain keeps this a simple CORS request (no preflight), so it also works with keepalive.
    return origFetch(BROWSER + "/api/registrations", {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      keepalive: !!opts.keepalive,
      headers: { "Content-Type": "text/plain" },
      body: JSON.stringify(payload)
    }).then(function (r) { return r.json(); }).then(function (answer) {
      var outcome = Object.assign({ mechanism: mechanism, url: payload.url, hops: [] }, answer);
      publish(outcome, false);
      return outcome;
    }, function (err) {
      var outcome = {
        mechanism: mechanism, url: payload.url, context_origin: payload.context_origin,
        frame_origin: payload.frame_origin, hops: [], error: String(err),
        summary: "The simulated browser at " + BROWSER + " could not be reached (" + err + "), so nothing was registered."
      };
      publish(outcome, false);
      return outcome;
    });
  }

  // Navigations: <a attributionsrc> / <area attributionsrc> clicks and window.open(..., "attributionsrc=...").
  // Chrome registers a navigation source only for a navigation started with user activation, so the
  // shim sends the navigation itself through the simulated browser's /navigate, which reads the
  // Sec-Fetch-User header only the browser can set, starts the registrations and redirects on.
  function newToken() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + "-" + String(Math.random()).slice(2);
  }

  // The page that stays (a new tab opened) learns how the navigation's registrations went.
  function follow(mechanism, token) {
    var tries = 0;
    function poll() {
      if (++tries > 40) return;
      origFetch(BROWSER + "/api/navigations/" + encodeURIComponent(token), { mode: "cors", credentials: "omit" })
        .then(function (r) { return r.json(); })
        .then(function (answer) {
          if (answer.pending || !answer.registrations || !answer.registrations.length) {
            setTimeout(poll, 500);
            return;
          }
          answer.registrations.forEach(function (o) { publish(Object.assign({ mechanism: mechanism, hops: [] }, o), false); });
        }, function () { setTimeout(poll, 1000); });
    }
    setTimeout(poll, 300);
  }

  function navigateUrl(mechanism, href, srcs) {
    var token = newToken();
    follow(mechanism, token);
    var q = new URLSearchParams();
    q.set("mechanism", mechanism);
    q.set("token", token);
    q.set("href", href);
    q.set("context_origin", topOrigin());
    q.set("frame_origin", location.origin);
    srcs.forEach(function (u) { q.append("src", u); });
    return BROWSER + "/navigate?" + q.toString();
  }

  // The decision waits until every page handler has run: a listener added to window while the
  // click is still in its capture phase runs last in the bubbling phase. A click the page
  // cancelled starts no navigation, so nothing is registered; otherwise the link points at
  // /navigate just while the browser follows it, and at its own href again right after.
  function onActivation(ev) {
    if (ev.type === "auxclick" && ev.button !== 1) return;
    var a = ev.target && ev.target.closest ? ev.target.closest("a[attributionsrc], area[attributionsrc]") : null;
    if (!a || !a.href || a.__attributionLabArmed || a.__attributionLabPass) return;
    a.__attributionLabArmed = true;
    function decide(e) {
      if (e !== ev) return;
      window.removeEventListener(ev.type, decide, false);
      if (e.defaultPrevented || !/^https?:/.test(a.href)) return;
      var urls = parseList(a.getAttribute("attributionsrc"));
      var original = a.getAttribute("href");
      var url = navigateUrl("anchor", a.href, urls);
      var target = (a.getAttribute("target") || "").toLowerCase();
      var plain = ev.type === "click" && !(ev.ctrlKey || ev.metaKey || ev.shiftKey);
      if (plain && window.top !== window && (target === "_top" || target === "_parent")) {
        // Chromium leaves Sec-Fetch-User off a navigation one frame starts for another, so the frame
        // that navigates (which shares the click's activation) is asked to navigate itself.
        e.preventDefault();
        askToNavigate(target === "_top" ? window.top : window.parent, url, a, original);
        return;
      }
      a.setAttribute("href", url);
      setTimeout(function () { a.setAttribute("href", original); }, 0);
    }
    window.addEventListener(ev.type, decide, false);
    // A handler that stopped the click's propagation hid it from the shim: no registration then.
    setTimeout(function () {
      window.removeEventListener(ev.type, decide, false);
      a.__attributionLabArmed = false;
    }, 0);
  }
  var NAVIGATE = "attributionlab:navigate";
  var asked = {};

  function askToNavigate(frame, url, a, original) {
    var token = newToken();
    asked[token] = true;
    frame.postMessage({ type: NAVIGATE, url: url, token: token }, "*");
    setTimeout(function () {
      if (!asked[token]) return;
      // No shim there to answer: navigate from here (no user activation is seen, nothing registers).
      delete asked[token];
      a.setAttribute("href", url);
      a.__attributionLabPass = true;
      a.click();
      a.__attributionLabPass = false;
      setTimeout(function () { a.setAttribute("href", original); }, 0);
    }, 400);
  }

  window.addEventListener("message", function (e) {
    var data = e.data;
    if (!data || typeof data.url !== "string") return;
    if (data.type === NAVIGATE + ":done") { delete asked[data.token]; return; }
    if (data.type !== NAVIGATE || data.url.indexOf(BROWSER + "/navigate?") !== 0) return;
    try { e.source.postMessage({ type: NAVIGATE + ":done", token: data.token, url: data.url }, e.origin); } catch (err) { /* gone */ }
    location.href = data.url;
  });

  window.addEventListener("click", onActivation, true);
  window.addEventListener("auxclick", onActivation, true);

  // window.open(url, target, "attributionsrc=..."): the opened navigation goes through /navigate.
  // No navigation (an empty URL, a blocked popup) reaches it, so none registers.
  var origOpen = window.open;
  window.open = function (url, target, features) {
    var srcs = [];
    var asked = false;
    if (typeof features === "string" && /attributionsrc/i.test(features)) {
      var kept = [];
      features.split(",").forEach(function (token) {
        var t = token.trim();
        var eq = t.indexOf("=");
        var name = (eq < 0 ? t : t.slice(0, eq)).trim().toLowerCase();
        if (name === "attributionsrc") {
          asked = true;
          var value = eq < 0 ? "" : t.slice(eq + 1).trim();
          try { value = decodeURIComponent(value); } catch (e) { /* keep as is */ }
          if (value) srcs.push(resolve(value));
        } else if (t) {
          kept.push(t);
        }
      });
      features = kept.join(",");
    }
    var args = Array.prototype.slice.call(arguments);
    if (args.length > 2) args[2] = features;
    var href = url ? resolve(url) : "";
    if (asked && /^https?:/.test(href)) args[0] = navigateUrl("window-open", href, srcs);
    return origOpen.apply(window, args);
  };

  // <img attributionsrc> and <script attributionsrc>, now and when added or changed later.
  function scan(el) {
    if (!el || el.nodeType !== 1 || !el.hasAttribute("attributionsrc")) return;
    var tag = el.tagName.toLowerCase();
    if (tag !== "img" && tag !== "script") return;
    var value = el.getAttribute("attributionsrc");
    var src = el.getAttribute("src");
    var key = value + "\n" + (value.trim() ? "" : src || "");
    if (el.__attributionLabKey === key) return;
    var urls = parseList(value);
    if (!urls.length && src) urls = [resolve(src)];
    if (!urls.length) return;
    el.__attributionLabKey = key;
    urls.forEach(function (u) { register(tag, u, { eventSourceEligible: true, triggerEligible: true }); });
  }

  function scanTree(root) {
    if (root.nodeType !== 1) return;
    scan(root);
    if (root.querySelectorAll) {
      root.querySelectorAll("img[attributionsrc], script[attributionsrc]").forEach(scan);
    }
  }

  new MutationObserver(function (records) {
    records.forEach(function (r) {
      if (r.type === "attributes") scan(r.target);
      else r.addedNodes.forEach(scanTree);
    });
  }).observe(document.documentElement, {
    childList: true, subtree: true, attributes: true, attributeFilter: ["attributionsrc", "src"]
  });

  // fetch(url, {attributionReporting: {...}}): the page's request goes out as usual, and the
  // simulated browser makes the eligible one.
  window.fetch = function (input, init) {
    if (init && init.attributionReporting) {
      var ar = init.attributionReporting;
      var url = typeof input === "string" ? input : (input && input.url) || String(input);
      register("fetch", url, { eventSourceEligible: ar.eventSourceEligible, triggerEligible: ar.triggerEligible });
      init = Object.assign({}, init);
      delete init.attributionReporting;
    }
    return origFetch(input, init);
  };

  // XMLHttpRequest.prototype.setAttributionReporting({eventSourceEligible, triggerEligible}).
  var xhrOpen = XMLHttpRequest.prototype.open;
  var xhrSend = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.setAttributionReporting = function (options) {
    this.__attributionLab = options || {};
  };
  XMLHttpRequest.prototype.open = function (method, url) {
    this.__attributionLabUrl = resolve(url);
    return xhrOpen.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    if (this.__attributionLab && this.__attributionLabUrl) {
      var o = this.__attributionLab;
      register("xhr", this.__attributionLabUrl, {
        eventSourceEligible: o.eventSourceEligible, triggerEligible: o.triggerEligible
      });
    }
    return xhrSend.apply(this, arguments);
  };

  // The panel: top-level pages only.
  var panel = null;
  var LABELS = {
    "anchor": "<a attributionsrc> click", "window-open": "window.open attributionsrc",
    "img": "<img attributionsrc>", "script": "<script attributionsrc>",
    "fetch": "fetch attributionReporting", "xhr": "XHR setAttributionReporting"
  };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function ensurePanel() {
    if (panel || document.documentElement.getAttribute("data-attributionlab-panel") === "off") return panel;
    if (!document.body) return null;
    var style = el("style", null,
      ".al-shim{position:fixed;right:12px;bottom:12px;z-index:2147483000;max-width:420px;font:13px/1.4 system-ui,sans-serif;" +
      "background:#fff;color:#1b1f24;border:1px solid #c8ced6;border-radius:8px;box-shadow:0 4px 18px rgba(0,0,0,.15)}" +
      ".al-shim summary{cursor:pointer;padding:8px 12px;font-weight:600;list-style:none}" +
      ".al-shim summary::-webkit-details-marker{display:none}" +
      ".al-shim .al-list{max-height:320px;overflow:auto;padding:0 12px 8px;margin:0}" +
      ".al-shim .al-item{border-top:1px solid #e4e7eb;padding:6px 0}" +
      ".al-shim .al-kind{display:inline-block;padding:0 6px;border-radius:4px;background:#eef2f7;margin-right:4px;font-size:12px}" +
      ".al-shim .al-ok{background:#dff3e4}.al-shim .al-bad{background:#fde2e1}" +
      ".al-shim .al-url{word-break:break-all;color:#555;font-size:12px}" +
      ".al-shim .al-foot{padding:6px 12px;border-top:1px solid #e4e7eb}");
    document.head.appendChild(style);
    panel = el("details", "al-shim");
    panel.setAttribute("data-attributionlab-panel", "");
    var summary = el("summary", null, "Simulated browser · 0 registrations");
    var list = el("div", "al-list");
    list.appendChild(el("p", "al-empty", "Nothing registered on this page yet. Click an ad or load a page with attributionsrc."));
    var foot = el("div", "al-foot");
    var link = el("a", null, "Open attribution internals →");
    link.href = BROWSER + "/";
    link.target = "_blank";
    foot.appendChild(link);
    panel.appendChild(summary);
    panel.appendChild(list);
    panel.appendChild(foot);
    document.body.appendChild(panel);
    return panel;
  }

  function panelAdd(outcome, fromChild) {
    var p = ensurePanel();
    if (!p) {
      document.addEventListener("DOMContentLoaded", function () { panelAdd(outcome, fromChild); });
      return;
    }
    var list = p.querySelector(".al-list");
    var empty = list.querySelector(".al-empty");
    if (empty) empty.remove();
    var item = el("div", "al-item");
    item.setAttribute("data-registration", outcome.mechanism || "");
    var head = el("div", null, (LABELS[outcome.mechanism] || outcome.mechanism) + (fromChild ? " (in an ad frame)" : ""));
    item.appendChild(head);
    (outcome.hops || []).forEach(function (h) {
      var good = h.kind === "source" || h.kind === "trigger";
      var line = el("div");
      line.appendChild(el("span", "al-kind " + (good && /success/i.test(h.status || "") ? "al-ok" : (h.kind === "error" ? "al-bad" : "")),
        h.kind + (h.status ? ": " + h.status : "")));
      line.appendChild(document.createTextNode(h.explanation || ""));
      item.appendChild(line);
    });
    if (outcome.error) item.appendChild(el("div", null, outcome.error));
    item.appendChild(el("div", "al-url", outcome.url || ""));
    list.insertBefore(item, list.firstChild);
    var n = list.querySelectorAll(".al-item").length;
    p.querySelector("summary").textContent = "Simulated browser · " + n + " registration" + (n === 1 ? "" : "s");
  }

  window.attributionLab = {
    loaded: true,
    native: false,
    browserOrigin: BROWSER,
    outcomes: outcomes,
    register: function (mechanism, url, opts) { return register(mechanism, url, opts); }
  };

  function start() {
    scanTree(document.documentElement);
    if (window.top === window) ensurePanel();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
