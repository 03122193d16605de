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
    if (note) {
      note.textContent = Object.entries(data.parties)
        .filter(([, p]) => !p.ok)
        .map(([k, p]) => `${k}: ${p.error}.`)
        .join(" ");
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
