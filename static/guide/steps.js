// Polls the workshop steps so each step's check mark appears as soon as it happened.
(function () {
  const box = document.getElementById("workshop");
  if (!box) return;
  const doneCount = box.querySelector("[data-steps-done]");
  const note = box.querySelector("[data-parties-note]");
  async function refresh() {
    let data;
    try {
      const r = await fetch(box.dataset.stepsUrl, { cache: "no-store" });
      data = await r.json();
    } catch (e) {
      if (note) note.textContent = "Could not ask the server for the steps: " + e;
      return;
    }
    doneCount.textContent = data.done;
    for (const step of data.steps) {
      const li = box.querySelector(`[data-step="${step.number}"]`);
      if (!li) continue;
      li.classList.toggle("done", step.done);
      li.classList.toggle("partial", !step.done && step.partial);
      li.querySelector("[data-step-mark]").textContent = step.done ? "✓" : String(step.number);
      const status = li.querySelector("[data-step-status]");
      status.textContent = (step.done ? "done · " : "") + step.status;
      status.className = "badge " + (step.done ? "ok" : step.error ? "err" : step.partial ? "warn" : "");
    }
    drawSenders(data.senders);
    if (note) {
      note.textContent = Object.entries(data.parties)
        .filter(([, p]) => !p.ok)
        .map(([k, p]) => `${k}: ${p.error}.`)
        .join(" ");
    }
  }
  // Which browser sent what: counts per sender and the latest reports, each with its badge.
  function cell(text) { const td = document.createElement("td"); td.textContent = String(text); return td; }
  function badge(key, text, title) {
    const span = document.createElement("span");
    span.className = "badge sender sender-" + key;
    span.textContent = text;
    if (title) span.title = title;
    return span;
  }
  function drawSenders(senders) {
    const rows = box.querySelector("[data-sender-rows]");
    const latest = box.querySelector("[data-sender-latest]");
    if (!rows || !senders) return;
    rows.replaceChildren();
    if (!senders.rows.length) {
      const tr = document.createElement("tr");
      const td = cell("Nothing has reached the ad tech yet.");
      td.colSpan = 6; td.className = "muted"; tr.append(td); rows.append(tr);
    }
    for (const r of senders.rows) {
      const tr = document.createElement("tr");
      tr.dataset.senderRow = r.key;
      const first = document.createElement("td");
      first.append(badge(r.key, r.name));
      tr.append(first, cell(r.sources), cell(r.triggers), cell(r.event_level), cell(r.aggregatable), cell(r.debug));
      rows.append(tr);
    }
    latest.replaceChildren();
    for (const r of senders.latest) {
      const item = document.createElement("span");
      item.className = "latest-report";
      const label = (r.browser.key === "chrome" ? "real " : "") + r.browser.label;
      item.append(badge(r.browser.key, label, r.browser.explanation), " " + r.kind_label + (r.event ? ` (${r.event})` : ""));
      latest.append(item, " ");
    }
  }

  const form = box.querySelector("[data-reset]");
  if (form) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm("Clear every party's data for the next attendee?")) event.preventDefault();
    });
  }
  // Poll while the tab is visible and a step is still to do; a hidden tab does not poll, and coming
  // back to it refreshes at once. Once all seven are done there is nothing left to wait for.
  let allDone = false;
  async function tick() {
    if (document.hidden || allDone) return;
    await refresh();
    allDone = doneCount.textContent === box.querySelectorAll("[data-step]").length.toString();
    if (!allDone) window.setTimeout(tick, 3000);
  }
  document.addEventListener("visibilitychange", () => { if (!document.hidden) { allDone = false; tick(); } });
  tick();
})();
