// roomcal serve's page: where the session lives, and the font before the terminal.
// Read wizard/serve_guard.py for why the session is kept here and not in a cookie.
(() => {
  "use strict";
  const KEY = "roomcal-session";
  const terminal = document.getElementById("terminal");
  // Handed over once, with the redirect from the printed address; kept for reloads in
  // sessionStorage: this origin's (so this port's) and this tab's only.
  const given = terminal.dataset.roomcalSession;
  delete terminal.dataset.roomcalSession;
  if (given) {
    sessionStorage.setItem(KEY, given);
  }
  const session = sessionStorage.getItem(KEY);
  const start = window.onload; // textual.js's: it opens the terminal's WebSocket
  document.getElementById("restart").addEventListener("click", () => {
    window.location.replace("/");
  });
  if (!session) {
    window.onload = null;
    document.body.classList.add("-no-session");
    return;
  }
  terminal.dataset.sessionWebsocketUrl = `ws://${window.location.host}/ws/${session}`;
  // The terminal measures its cells when it opens: with this origin's Roboto Mono
  // loaded first, not a fallback that is swapped in afterwards.
  window.onload = async (event) => {
    const size = terminal.dataset.fontSize || "16";
    try {
      await document.fonts.load(`${size}px "Roboto Mono"`);
    } catch (error) {
      console.log("font", error);
    }
    start(event);
  };
})();
