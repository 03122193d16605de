// Polls the job's progress JSON and moves the bar until the job is finished; a hidden tab does not
// poll, and coming back to it picks up where it left off.
(function () {
  const box = document.getElementById("job-progress");
  if (!box || box.dataset.status === "FINISHED") return;
  const set = (name, value) => {
    const el = box.querySelector(`[data-field="${name}"]`);
    if (el) el.textContent = value ?? "";
  };
  async function poll() {
    try {
      const res = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
      const p = await res.json();
      for (const name of ["job_status", "return_code", "return_message", "scanned", "shards", "total_reports", "percent"]) set(name, p[name]);
      box.querySelector(".progress-bar").style.width = `${p.percent}%`;
      box.querySelector(".progress").setAttribute("aria-valuenow", p.percent);
      if (p.job_status === "FINISHED") { window.location.reload(); return; }
    } catch (e) { /* the server may be restarting: try again */ }
    later();
  }
  let timer = null;
  function later() {
    if (timer === null && !document.hidden) timer = setTimeout(() => { timer = null; poll(); }, 1000);
  }
  document.addEventListener("visibilitychange", () => {
    if (document.hidden && timer !== null) { clearTimeout(timer); timer = null; } else later();
  });
  later();
})();
