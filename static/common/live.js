// Keeps the parts of a server-rendered page marked [data-live] up to date without a reload.
// The page is fetched again every few seconds while the page says something is in progress
// ([data-live-busy] anywhere in it); once nothing is, polling stops. A hidden tab does not poll;
// coming back to it refreshes once (and goes on if something is still in progress).
(function () {
  "use strict";
  const POLL_MS = 2000;
  if (!document.querySelector("[data-live]")) return;
  let timer = null;
  let polled = false;
  const note = document.querySelector("[data-live-note]");
  const say = (text) => { if (note) note.textContent = text; };
  const busy = () => document.querySelector("[data-live-busy]") !== null;

  async function refresh() {
    timer = null;
    try {
      const response = await fetch(window.location.href, { cache: "no-store", headers: { Accept: "text/html" } });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      const parts = fresh.querySelectorAll("[data-live]");
      document.querySelectorAll("[data-live]").forEach((old, i) => { if (parts[i]) old.replaceWith(parts[i]); });
    } catch (err) {
      say("Could not ask the server (" + err.message + "); trying again.");
      schedule();
      return;
    }
    schedule();
  }

  function schedule() {
    if (timer !== null || document.hidden) return;
    if (!busy()) { say(polled ? "Up to date: nothing in progress any more, so this page stopped asking." : ""); return; }
    polled = true;
    say("Updating live while a job is in progress…");
    timer = window.setTimeout(refresh, POLL_MS);
  }

  document.addEventListener("visibilitychange", () => {
    if (document.hidden) { if (timer !== null) { window.clearTimeout(timer); timer = null; } return; }
    if (busy()) refresh();
  });
  schedule();
})();
