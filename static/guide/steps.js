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
      window.lab.setBadge(status, (step.done ? "done · " : "") + step.status, step.category);
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
  const el = window.lab.el;
  function cell(text) { return el("td", {}, String(text)); }
  function badge(key, text, title) {
    return el("span", { class: "badge sender sender-" + key, title: title || null }, text);
  }
  function drawSenders(senders) {
    const rows = box.querySelector("[data-sender-rows]");
    const latest = box.querySelector("[data-sender-latest]");
    if (!rows || !senders) return;
    rows.replaceChildren();
    if (!senders.rows.length) {
      rows.append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, "Nothing has reached the ad tech yet.")));
    }
    for (const r of senders.rows) {
      rows.append(el("tr", { "data-sender-row": r.key }, el("td", {}, badge(r.key, r.name)),
        cell(r.sources), cell(r.triggers), cell(r.event_level), cell(r.aggregatable), cell(r.debug)));
    }
    latest.replaceChildren();
    for (const r of senders.latest) {
      const label = (r.browser.key === "chrome" ? "real " : "") + r.browser.label;
      latest.append(el("span", { class: "latest-report" }, badge(r.browser.key, label, r.browser.explanation),
        " " + r.kind_label + (r.event ? ` (${r.event})` : "")), " ");
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
