/*
 * Attribution Lab service worker: routes a page's attribution-eligible requests through the
 * simulated browser's network service, so each is made once, with
 * Chrome's headers, and its real response comes back to the page.
 *
 * It is served from the root of each page origin (/attributionlab-sw.js) and registered by the
 * shim as /attributionlab-sw.js?browser=<the simulated browser's origin>: the query is its
 * configuration (a worker sees no page and no script tag). For your own origin, serve a file at
 * your root containing only
 *     importScripts("<the simulated browser's origin>/sw.js");
 * the shim registers it with the same query, which an imported script reads from self.location.
 *
 * What it routes:
 *   - image and script requests: it asks the page (the shim) whether the element that made
 *     the request has attributionsrc; if so the request goes out eligible
 *     (event-source, trigger), with the element's mechanism;
 *   - plain image, script, fetch and XHR requests to another loopback origin: they go out with
 *     no Eligible header and may still register a trigger, as Chrome's compatibility waiver
 *     allowed.
 * Everything else (navigations, the page's own origin's plain requests, other hosts, the
 * simulated browser itself) goes to the network untouched. fetch() and XHR with attribution
 * options are routed by the shim itself, so they work before this worker controls the page.
 */
"use strict";
// Without a browser origin the worker routes nothing: every request goes to the network untouched
// and the shim falls back to separate registration requests.
var BROWSER = new URL(self.location.href).searchParams.get("browser") || "";
// Room mode: the attendee's profile token, given in this worker's script URL by the shim.
var PROFILE = new URL(self.location.href).searchParams.get("profile") || "";
var LOOPBACK = /^(localhost|(.+\.)?localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;
var ASK_TIMEOUT_MS = 8000;
var NULL_BODY = { 101: 1, 204: 1, 205: 1, 304: 1 };

// Active at once for the next page, but no clients.claim(): a page keeps the controller it was
// loaded with, so the shim knows for the page's whole life whether its requests come here.
self.addEventListener("install", function () { self.skipWaiting(); });

function ask(clientId, request) {
  return self.clients.get(clientId).then(function (client) {
    if (!client) return { client: null, info: null };
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      var timer = setTimeout(function () { resolve({ client: client, info: null }); }, ASK_TIMEOUT_MS);
      channel.port1.onmessage = function (e) { clearTimeout(timer); resolve({ client: client, info: e.data }); };
      client.postMessage({ type: "attributionlab:which", url: request.url, destination: request.destination },
        [channel.port2]);
    });
  });
}

function decode(value) {
  if (!value) return null;
  try {
    var bytes = Uint8Array.from(atob(value), function (c) { return c.charCodeAt(0); });
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) { return null; }
}

function tell(client, outcome) {
  if (client && outcome) client.postMessage({ type: "attributionlab:registration", outcome: outcome });
}

function route(request, client, info) {
  var eligible = !!(info && info.eligible);
  var envelope = {
    url: request.url,
    method: request.method,
    headers: Array.from(request.headers.entries()),
    mechanism: eligible ? info.mechanism : "plain",
    destination: request.destination,
    mode: request.mode,
    credentials: request.credentials,
    context_origin: info.context_origin,
    frame_origin: info.frame_origin || self.location.origin,
    referrer: request.referrer,
    user_agent: self.navigator.userAgent
  };
  var rid = Math.random().toString(36).slice(2) + Date.now().toString(36);
  var body = request.method === "GET" || request.method === "HEAD" ? Promise.resolve(null) : request.arrayBuffer();
  return body.then(function (bytes) {
    return fetch(BROWSER + "/network?rid=" + rid + (PROFILE ? "&profile=" + encodeURIComponent(PROFILE) : "") +
      "&r=" + encodeURIComponent(JSON.stringify(envelope)), {
      method: "POST", mode: "cors", credentials: "omit", cache: "no-store",
      headers: { "Content-Type": "text/plain" }, body: bytes
    });
  }).then(function (response) {
    tell(client, decode(response.headers.get("Attribution-Lab-Outcome")));
    if (response.headers.get("Attribution-Lab-Error")) return Response.error();
    var headers = new Headers();
    (decode(response.headers.get("Attribution-Lab-Headers")) || []).forEach(function (h) {
      try { headers.append(h[0], h[1]); } catch (e) { /* a header the Fetch API refuses */ }
    });
    var status = response.status;
    var text = (response.headers.get("Attribution-Lab-Status") || "").replace(/^\d+\s*/, "");
    return response.arrayBuffer().then(function (buffer) {
      return new Response(NULL_BODY[status] ? null : buffer, { status: status, statusText: text, headers: headers });
    });
  }, function () {
    // The simulated browser hid the response (CORS, as Chrome would) or could not be reached.
    return fetch(BROWSER + "/network/outcome/" + rid, { mode: "cors", credentials: "omit" })
      .then(function (r) { return r.json(); })
      .then(function (data) { tell(client, data.outcome); }, function () { /* nothing to tell */ })
      .then(function () { return Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (!BROWSER || request.mode === "navigate" || !event.clientId) return;
  var dest = request.destination;
  if (dest !== "image" && dest !== "script" && dest !== "") return;
  var url;
  try { url = new URL(request.url); } catch (e) { return; }
  if (!/^https?:$/.test(url.protocol) || url.origin === BROWSER) return;
  var sameOrigin = url.origin === self.location.origin;
  var plainCandidate = !sameOrigin && LOOPBACK.test(url.hostname);
  if (dest === "" && !plainCandidate) return;  // the shim routes eligible fetch/XHR itself
  event.respondWith(ask(event.clientId, request).then(function (answer) {
    var info = answer.info;
    if (info && (info.eligible || plainCandidate)) return route(request, answer.client, info);
    return fetch(request);
  }));
});
