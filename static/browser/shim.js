/*
 * Attribution Lab shim: the page-side half of the simulated browser.
 *
 * Chrome removed the Attribution Reporting API, so current browsers ignore `attributionsrc`.
 * This script and a service worker hand the page's attribution requests to the simulated
 * browser (the origin this script is served from), whose network service makes each request ONCE, as Chrome
 * did: the page's own request carries Attribution-Reporting-Eligible (and -Support: web),
 * redirects are followed hop by hop with a registration on every hop, and the real response
 * comes back to the page (the image shows, the script runs, fetch/XHR resolve).
 *
 *   - <img attributionsrc src>, <script attributionsrc src>: the service worker at
 *     /attributionlab-sw.js on this page's origin asks this script which element made an image
 *     or script request, and routes eligible ones through the browser's /network. Listed
 *     attributionsrc URLs get background requests of their own, as in Chrome.
 *   - fetch(url, {attributionReporting}) and XHR with setAttributionReporting(): this script
 *     sends them to the browser's /network itself (no worker needed).
 *   - plain image, script, fetch and XHR requests to another loopback origin go through the
 *     network service too (no Eligible header): their responses may register a trigger.
 *   - A page loaded before the worker was installed (a first visit to one's own origin) falls
 *     back to separate registration requests for its elements, and says so in the panel; the
 *     demo's own pages install the worker before their first load.
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
 *   <img attributionsrc>, <script attributionsrc>  the src request registers; a space-separated list
 *                                               of URLs registers too (background requests); elements
 *                                               added later too
 *   fetch(url, {attributionReporting: {eventSourceEligible, triggerEligible}})
 *   xhr.setAttributionReporting({eventSourceEligible, triggerEligible}) before xhr.send()
 *
 * EVENT. After each registration (each URL) the shim dispatches on `window`:
 *
 *   window.addEventListener("attributionlab:registration", (e) => { e.detail ... });
 *
 *   e.detail = {
 *     mechanism: "anchor" | "window-open" | "img" | "script" | "fetch" | "xhr" | "plain",
 *     url: "<the registration URL>",
 *     context_origin: "<top-level page origin>", frame_origin: "<origin of the frame that asked>",
 *     eligible: "<the Attribution-Reporting-Eligible value sent>",
 *     hops: [{url, reporting_origin, request_headers, response_status, response_headers,
 *             kind: "source" | "trigger" | "os-source" | "os-trigger" | "none" | "error",
 *             status: "<Chrome's attribution-internals status>", explanation: "<plain words>"}],
 *     error: "<why the chain stopped or the request could not be made, or null>",
 *     summary: "<one paragraph for a person>",
 *     note: "<present when the page fell back to a separate registration request>"
 *   }
 *
 * Registrations made inside cross-origin ad iframes are forwarded to the parent page (by
 * postMessage from a party origin or a loopback origin) and dispatched there too, so the publisher's page
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
/*
 * CONFIGURATION, read from the <script> tag that loads this file (the demo's pages set it; a page
 * of one's own needs none of it):
 *   data-browser-origin    the simulated browser's origin; default: the origin this file came from
 *   data-trusted-origins   space-separated origins whose frames may forward their registrations to
 *                          this page, besides every loopback origin; default: none
 */
(function () {
  "use strict";
  if (window.attributionLab && window.attributionLab.loaded) return;

  function readConfig() {
    var script = document.currentScript || document.querySelector('script[src$="/shim.js"]');
    var data = (script && script.dataset) || {};
    var origin = data.browserOrigin;
    if (!origin && script && script.src) origin = new URL(script.src, location.href).origin;
    return {
      browserOrigin: origin || location.origin,
      trustedOrigins: (data.trustedOrigins || "").split(/\s+/).filter(Boolean),
      // Room mode: the attendee's profile token, from the page's server; every request to the
      // simulated browser carries it.
      profile: data.profile || ""
    };
  }

  var CONFIG = readConfig();
  var BROWSER = CONFIG.browserOrigin;
  var TRUSTED = CONFIG.trustedOrigins;
  var PROFILE = CONFIG.profile;
  function withProfile(url) {
    return PROFILE ? url + (url.indexOf("?") < 0 ? "?" : "&") + "profile=" + encodeURIComponent(PROFILE) : url;
  }
  var LOOPBACK_ORIGIN = /^https?:\/\/(localhost|([a-z0-9-]+\.)+localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d{1,5})?$/i;
  function trusted(origin) { return TRUSTED.indexOf(origin) >= 0 || LOOPBACK_ORIGIN.test(origin); }
  var EVENT = "attributionlab:registration";
  var FALLBACK_NOTE = "This page loaded before the simulated browser's service worker controlled it, so the " +
    "page's own request went out plain and the simulated browser made a separate registration request for it. " +
    "Reload: the worker is installed now, and the page's own request is then the registration, as in Chrome.";
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
    if (!data || data.type !== EVENT || !data.outcome || !trusted(e.origin)) return;
    publish(data.outcome, true);
  });

  // One registration at a time per page, in the order the page asked for them: a source and
  // a trigger registered by the same page are then processed in that order.
  var queue = Promise.resolve();

  // A background request (an attributionsrc URL) goes out at once with keepalive, as Chrome's
  // do: it outlives the page, so a navigation right after the page loaded does not cancel it.
  function register(mechanism, url, opts) {
    var run = function () { return send(mechanism, url, opts); };
    var result = opts && opts.keepalive ? run() : queue.then(run, run);
    var done = result.catch(function () {});
    queue = Promise.all([queue, done]);
    return result;
  }

  function send(mechanism, url, opts) {
    opts = opts || {};
    var payload = {
      mechanism: mechanism,
      url: resolve(url),
      context_origin: topOrigin(),
      frame_origin: location.origin,
      referrer: location.href.split("#")[0],
      user_agent: navigator.userAgent,
      event_source_eligible: !!opts.eventSourceEligible,
      trigger_eligible: !!opts.triggerEligible
    };
    // text/plain keeps this a simple CORS request (no preflight), so it also works with keepalive.
    return origFetch(withProfile(BROWSER + "/api/registrations"), {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      keepalive: !!opts.keepalive,
      headers: { "Content-Type": "text/plain" },
      body: JSON.stringify(payload)
    }).then(function (r) { return r.json(); }).then(function (answer) {
      var outcome = Object.assign({ mechanism: mechanism, url: payload.url, hops: [] }, answer);
      if (opts.fallback) outcome.note = FALLBACK_NOTE;
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


  // ---- The page's own request, made once by the simulated browser's network service ----
  // The worker is configured by its URL: it cannot see this script tag.
  var SW_URL = withProfile("/attributionlab-sw.js?browser=" + encodeURIComponent(BROWSER));
  var sw = navigator.serviceWorker;

  // Whether the worker controls this page, fixed when the page loaded (the worker never claims a
  // page that loaded without it).
  var CONTROLLED = !!(sw && sw.controller);
  function controlled() { return CONTROLLED; }

  function requestId() { return Math.random().toString(36).slice(2) + Date.now().toString(36); }

  function decode64(value) {
    if (!value) return null;
    try {
      var bytes = Uint8Array.from(atob(value), function (c) { return c.charCodeAt(0); });
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) { return null; }
  }

  function networkUrl(envelope, rid) {
    return withProfile(BROWSER + "/network?rid=" + rid + "&r=" + encodeURIComponent(JSON.stringify(envelope)));
  }

  function envelopeFor(mechanism, url, method, headers, mode, opts) {
    return {
      url: resolve(url), method: method, headers: headers, mechanism: mechanism,
      destination: "", mode: mode, context_origin: topOrigin(), frame_origin: location.origin,
      referrer: location.href.split("#")[0], user_agent: navigator.userAgent,
      event_source_eligible: !!(opts && opts.eventSourceEligible), trigger_eligible: !!(opts && opts.triggerEligible)
    };
  }

  // What the network service registered: from the answer's header, else by the request id
  // (a response Chrome would hide from the page carries no readable headers).
  function publishOutcome(header, rid) {
    var outcome = decode64(header);
    if (outcome) { publish(outcome, false); return Promise.resolve(outcome); }
    return origFetch(withProfile(BROWSER + "/network/outcome/" + rid), { mode: "cors", credentials: "omit" })
      .then(function (r) { return r.json(); })
      .then(function (data) { if (data.outcome) publish(data.outcome, false); return data.outcome; },
        function () { return null; });
  }

  function unreachable(mechanism, url, err) {
    publish({
      mechanism: mechanism, url: url, context_origin: topOrigin(), frame_origin: location.origin, hops: [],
      error: String(err),
      summary: "The simulated browser at " + BROWSER + " could not be reached (" + err + "), so the request was not made."
    }, false);
  }

  // fetch(url, {attributionReporting}): the request goes to the network service instead of the
  // network, which makes it (eligible) and answers with the real response.
  function eligibleFetch(input, init, ar) {
    var plainInit = Object.assign({}, init);
    delete plainInit.attributionReporting;
    var request;
    try { request = new Request(input, plainInit); } catch (e) { return Promise.reject(e); }
    var envelope = envelopeFor("fetch", request.url, request.method, Array.from(request.headers.entries()),
      request.mode, ar);
    envelope.credentials = request.credentials;
    var rid = requestId();
    var body = request.method === "GET" || request.method === "HEAD" ? Promise.resolve(null) : request.arrayBuffer();
    return body.then(function (bytes) {
      return origFetch(networkUrl(envelope, rid), {
        method: "POST", mode: "cors", credentials: "omit", cache: "no-store", keepalive: !!plainInit.keepalive,
        headers: { "Content-Type": "text/plain" }, body: bytes, signal: request.signal
      }).catch(function (err) {
        // Hidden by CORS (the network service answers as Chrome's CORS check would) or unreachable.
        return publishOutcome(null, rid).then(function (outcome) {
          if (!outcome) unreachable("fetch", envelope.url, err);
          throw new TypeError("Failed to fetch");
        });
      });
    }).then(function (r) {
      publishOutcome(r.headers.get("Attribution-Lab-Outcome"), rid);
      if (r.headers.get("Attribution-Lab-Error")) throw new TypeError("Failed to fetch");
      var headers = new Headers();
      (decode64(r.headers.get("Attribution-Lab-Headers")) || []).forEach(function (h) {
        try { headers.append(h[0], h[1]); } catch (e) { /* refused by the Fetch API */ }
      });
      var finalUrl = r.headers.get("Attribution-Lab-Url") || envelope.url;
      var text = (r.headers.get("Attribution-Lab-Status") || "").replace(/^\d+\s*/, "");
      var crossOrigin = new URL(finalUrl).origin !== location.origin;
      return r.arrayBuffer().then(function (buffer) {
        var nullBody = [101, 204, 205, 304].indexOf(r.status) >= 0;
        var opaque = request.mode === "no-cors" && crossOrigin;
        var response = new Response(nullBody || opaque ? null : buffer,
          { status: r.status, statusText: text, headers: opaque ? {} : headers });
        var props = { url: { value: opaque ? "" : finalUrl }, redirected: { value: r.headers.get("Attribution-Lab-Redirected") === "1" } };
        if (opaque) {
          // What Chrome gives a no-cors request to another origin: an opaque response.
          props.type = { value: "opaque" }; props.status = { value: 0 }; props.ok = { value: false };
          props.statusText = { value: "" };
        }
        Object.defineProperties(response, props);
        return response;
      });
    });
  }

  // The service worker asks which element made an image or script request. An element with
  // that URL is looked up; while the parser has not reached it yet (a preloaded request), the
  // answer waits for it: up to 7 s, within the worker's 8 s, since a slow script before it (the
  // shim itself on a busy server) holds the parser, and an answer given too early would send an
  // attributionsrc element's request as a plain one.
  function elementFor(url, destination) {
    var list = destination === "image" ? document.images : destination === "script" ? document.scripts : [];
    var found = null;
    for (var i = 0; i < list.length; i++) {
      var el = list[i];
      if (el.src !== url) continue;
      if (el.hasAttribute("attributionsrc") && !el.__attributionLabFallback) return el;
      found = found || el;
    }
    return found;
  }

  function answerWorker(data, port) {
    var tries = 0;
    function reply() {
      var el = elementFor(data.url, data.destination);
      if (!el && document.readyState === "loading" && tries++ < 350) { setTimeout(reply, 20); return; }
      var eligible = !!(el && el.hasAttribute("attributionsrc") && !el.__attributionLabFallback);
      port.postMessage({
        eligible: eligible, mechanism: eligible ? el.tagName.toLowerCase() : "plain",
        context_origin: topOrigin(), frame_origin: location.origin
      });
    }
    reply();
  }

  if (sw) {
    sw.onmessage = function (e) {
      var data = e.data || {};
      if (data.type === "attributionlab:which" && e.ports && e.ports[0]) answerWorker(data, e.ports[0]);
      else if (data.type === EVENT && data.outcome) publish(data.outcome, false);
    };
    if (window.isSecureContext && document.documentElement.getAttribute("data-attributionlab-sw") !== "off") {
      sw.register(SW_URL, { scope: "/" }).catch(function (err) {
        window.attributionLab && (window.attributionLab.serviceWorkerError = String(err));
      });
    }
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
      origFetch(withProfile(BROWSER + "/api/navigations/" + encodeURIComponent(token)), { mode: "cors", credentials: "omit" })
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
    return withProfile(BROWSER + "/navigate?" + q.toString());
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
    el.__attributionLabKey = key;
    // Under the service worker the element's own request (src) goes out eligible through the
    // network service; only the listed URLs need background requests.
    if (!controlled() && src) {
      // Before the worker controls the page the browser made the src request itself, plain.
      el.__attributionLabFallback = true;
      if (!urls.length) urls = [resolve(src)];
    }
    urls.forEach(function (u) {
      register(tag, u, {
        eventSourceEligible: true, triggerEligible: true, keepalive: true,
        fallback: el.__attributionLabFallback && u === resolve(src)
      });
    });
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

  // fetch(url, {attributionReporting: {...}}): one request, made eligible by the network service.
  window.fetch = function (input, init) {
    if (init && init.attributionReporting) return eligibleFetch(input, init, init.attributionReporting);
    return origFetch(input, init);
  };

  // XMLHttpRequest.prototype.setAttributionReporting({eventSourceEligible, triggerEligible}).
  var xhrOpen = XMLHttpRequest.prototype.open;
  var xhrSend = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.setAttributionReporting = function (options) {
    this.__attributionLab = options || {};
  };
  var xhrSetHeader = XMLHttpRequest.prototype.setRequestHeader;
  XMLHttpRequest.prototype.open = function (method, url, async) {
    this.__attributionLabUrl = resolve(url);
    this.__attributionLabMethod = String(method || "GET").toUpperCase();
    this.__attributionLabAsync = arguments.length < 3 || !!async;
    this.__attributionLabHeaders = [];
    this.__attributionLab = null;
    return xhrOpen.apply(this, arguments);
  };
  XMLHttpRequest.prototype.setRequestHeader = function (name, value) {
    if (this.__attributionLabHeaders) this.__attributionLabHeaders.push([String(name), String(value)]);
    return xhrSetHeader.apply(this, arguments);
  };
  // An eligible XHR is sent to the network service, which makes the page's request and answers
  // with its status, headers and body (and no CORS headers where Chrome would have hidden them).
  XMLHttpRequest.prototype.send = function (body) {
    if (!this.__attributionLab || !this.__attributionLabUrl) return xhrSend.apply(this, arguments);
    var xhr = this, o = this.__attributionLab, rid = requestId();
    var envelope = envelopeFor("xhr", this.__attributionLabUrl, this.__attributionLabMethod,
      this.__attributionLabHeaders, "cors", o);
    envelope.body_type_from_request = true;
    envelope.credentials = this.withCredentials ? "include" : "same-origin";
    var headers = this.__attributionLabHeaders;
    xhrOpen.call(this, "POST", networkUrl(envelope, rid), this.__attributionLabAsync);
    headers.forEach(function (h) {
      if (/^content-type$/i.test(h[0])) xhrSetHeader.call(xhr, h[0], h[1]);
    });
    this.withCredentials = false;
    var finalUrl = envelope.url;
    Object.defineProperty(this, "responseURL", { configurable: true, get: function () { return xhr.readyState >= 2 ? finalUrl : ""; } });
    this.addEventListener("readystatechange", function () {
      if (xhr.readyState === 2) finalUrl = xhr.getResponseHeader("Attribution-Lab-Url") || finalUrl;
    });
    this.addEventListener("loadend", function () {
      publishOutcome(xhr.readyState === 4 && xhr.status ? xhr.getResponseHeader("Attribution-Lab-Outcome") : null, rid)
        .then(function (outcome) { if (!outcome && !xhr.status) unreachable("xhr", envelope.url, "network error"); });
    });
    return xhrSend.call(this, this.__attributionLabMethod === "GET" || this.__attributionLabMethod === "HEAD" ? null : body);
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
      ".al-shim .al-note{color:#6b4e00;font-size:12px}" +
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
      var line = el("div");
      // Coloured by the category the simulated browser sends with each hop (browser/statuses.py).
      line.appendChild(el("span", "al-kind " + ({ ok: "al-ok", error: "al-bad" }[h.category] || ""),
        h.kind + (h.status ? ": " + h.status : "")));
      line.appendChild(document.createTextNode(h.explanation || ""));
      item.appendChild(line);
    });
    if (outcome.error) item.appendChild(el("div", null, outcome.error));
    if (outcome.note) item.appendChild(el("div", "al-note", outcome.note));
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
