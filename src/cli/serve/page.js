// Keeps the page current: asks the server for the repository's revision every two
// seconds and, when it changed, fetches this page again and swaps in its <main>.
(function () {
  "use strict";
  const live = document.getElementById("live");
  function main() { return document.getElementById("main"); }
  async function refresh() {
    const page = await fetch(location.href, { cache: "no-store" });
    const doc = new DOMParser().parseFromString(await page.text(), "text/html");
    const fresh = doc.getElementById("main");
    if (fresh) { main().replaceWith(fresh); }
  }
  async function tick() {
    try {
      const answer = await fetch("/api/revision", { cache: "no-store" });
      const revision = JSON.stringify(await answer.json());
      if (revision !== main().dataset.revision) { await refresh(); }
      live.textContent = "live · checked " + new Date().toLocaleTimeString();
      live.classList.remove("stale");
    } catch (e) {
      live.textContent = "not connected to orc serve";
      live.classList.add("stale");
    }
    setTimeout(tick, 2000);
  }
  setTimeout(tick, 2000);
})();
