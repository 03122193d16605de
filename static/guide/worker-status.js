// Polls the worker status so the guide says, live, whether a Celery worker is consuming tasks.
(function () {
  const box = document.getElementById("worker-status");
  if (!box) return;
  const state = box.querySelector("[data-worker-state]");
  const detail = box.querySelector("[data-worker-detail]");
  async function refresh() {
    try {
      const r = await fetch(box.dataset.statusUrl, { cache: "no-store" });
      const s = await r.json();
      window.lab.setBadge(state, s.alive ? "Celery worker is up" : "No Celery worker seen", s.alive ? "ok" : "error");
      detail.textContent = s.last_seen ? "last heartbeat at " + new Date(s.last_seen).toLocaleTimeString() + " from " + s.hostname : "no heartbeat yet";
    } catch (e) { detail.textContent = "could not ask the server: " + e; }
  }
  box.querySelector("[data-worker-ping]").addEventListener("click", async () => {
    const token = document.cookie.match(/csrftoken=([^;]+)/);
    await fetch(box.dataset.pingUrl, { method: "POST", headers: token ? { "X-CSRFToken": token[1] } : {} });
    setTimeout(refresh, 1500);
  });
  setInterval(refresh, 5000);
})();
