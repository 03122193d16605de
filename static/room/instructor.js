// The instructor's attendee table: polls the room's progress while the tab is visible.
(function () {
  "use strict";
  var section = document.getElementById("attendees");
  if (!section) return;
  var url = section.getAttribute("data-progress-url");
  var body = section.querySelector("[data-attendee-rows]");
  function cell(text, code) {
    var td = document.createElement("td");
    if (code) { var c = document.createElement("code"); c.textContent = text; td.appendChild(c); }
    else td.textContent = text;
    return td;
  }
  function render(data) {
    section.querySelector("[data-joined]").textContent = data.joined;
    section.querySelector("[data-finished]").textContent = data.finished;
    body.textContent = "";
    if (!data.attendees.length) {
      var tr = document.createElement("tr"), td = cell("Nobody has joined yet.");
      td.colSpan = 8; td.className = "muted"; tr.appendChild(td); body.appendChild(tr);
      return;
    }
    data.attendees.forEach(function (a) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-attendee", a.profile);
      [cell(a.profile, true), cell(a.joined_at.slice(0, 19)), cell(String(a.step_reached)),
       cell(a.done + " / " + a.total), cell(String(a.sources)), cell(String(a.triggers)),
       cell(String(a.reports)), cell(String(a.reports_sent))].forEach(function (td) { tr.appendChild(td); });
      body.appendChild(tr);
    });
  }
  function poll() {
    if (document.hidden) return;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) render(data); })
      .catch(function () {});
  }
  setInterval(poll, 3000);
  document.addEventListener("visibilitychange", poll);
})();
