// The live preview: the generated app runs on its own origin (never AUTOCREA's), so it can neither
// read AUTOCREA's cookies nor call AUTOCREA's API as the user. It answers only its owner: the frame
// opens it with a short-lived capability (`open_url`), exchanged there for a pass cookie of that
// origin, which is why the sandbox allows its own origin; the link opens a fresh one in a new tab.
import { api } from "../lib/api.js";
import { showError } from "../lib/errors.js";
import { t } from "../lib/i18n.js";
import { toast } from "../lib/dom.js";

export class Preview {
  constructor(projectId) {
    this.base = `/api/projects/${projectId}/preview`;
    this.opener = `/projects/${projectId}/preview/open`;
    this.frame = document.getElementById("preview-frame");
    this.empty = document.getElementById("preview-empty");
    this.state = document.getElementById("preview-state");
    this.link = document.getElementById("preview-url");
    this.buttons = Object.fromEntries(
      ["start", "reload", "restart", "stop", "reset"].map((name) => [name, document.getElementById(`preview-${name}`)]),
    );
    this.checked = false;
    this.buttons.start.addEventListener("click", () => this.start());
    this.buttons.restart.addEventListener("click", () => this.start());
    this.buttons.stop.addEventListener("click", () => this.stop());
    this.buttons.reset.addEventListener("click", () => this.reset());
    this.buttons.reload.addEventListener("click", () => {
      this.frame.src = this.url; // cross-origin: reload by navigating again (the pass is set)
    });
    // A save from elsewhere (another tab, the API) restarts the app on a new origin: follow it.
    setInterval(() => this.watch(), 3000);
  }

  /** While an app is shown and nothing here is busy: if the server now runs another one (a hand
   * edit saved elsewhere restarted it), show that one instead of a frame on a stopped origin. */
  async watch() {
    if (!this.url || this.busy || document.hidden) return;
    try {
      const current = await api("GET", this.base);
      if (current.url !== this.url && !this.busy) this.show(current);
    } catch {
      // 404 between an old app stopping and its successor answering; the next tick sees it.
    }
  }

  show(preview) {
    const running = Boolean(preview);
    this.state.textContent = running ? t("preview.running") : t("preview.stopped");
    this.state.classList.toggle("running", running);
    this.frame.hidden = !running;
    this.empty.hidden = running;
    this.link.hidden = !running;
    this.buttons.start.hidden = running;
    for (const name of ["reload", "restart", "stop"]) this.buttons[name].hidden = !running;
    if (running) {
      this.url = preview.url;
      this.link.href = this.opener;
      this.link.textContent = preview.url;
      this.frame.src = preview.open_url;
    } else {
      this.url = null;
      this.frame.removeAttribute("src");
    }
  }

  setBusy(text) {
    this.busy = Boolean(text);
    this.state.textContent = text;
    this.state.classList.remove("running");
    for (const button of Object.values(this.buttons)) button.disabled = Boolean(text);
  }

  /** When the tab is first shown: is the app already running? (The page knows; ask only then.) */
  async check(running) {
    if (this.checked) return;
    this.checked = true;
    if (!running) {
      this.show(null);
      return;
    }
    try {
      this.show(await api("GET", this.base));
    } catch (err) {
      if (err.status !== 404) toast(showError(document.createElement("div"), err), "error");
      this.show(null);
    }
  }

  async start() {
    this.setBusy(t("preview.starting"));
    try {
      const preview = await api("POST", this.base, { ref: "HEAD" });
      this.setBusy("");
      this.show(preview);
    } catch (err) {
      this.setBusy("");
      this.show(null);
      toast(showError(document.createElement("div"), err), "error", 9000);
    }
  }

  /** A new version `commit` is HEAD and the server restarts a running preview at it: wait for the
   * restarted app (up to a minute), then show it. Nothing to do when no preview is shown running. */
  async follow(commit) {
    if (!this.url) return;
    this.setBusy(t("change.preview_restarting"));
    const deadline = Date.now() + 60_000;
    let found = null;
    while (Date.now() < deadline) {
      try {
        found = await api("GET", this.base);
        if (found.commit === commit) break;
      } catch (err) {
        if (err.status !== 404) break;
        found = null; // between the old app stopping and the new one answering
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    this.setBusy("");
    this.show(found); // the new version; or, if it never came up, whatever runs (or nothing)
  }

  /** Empty the records the preview keeps across restarts and changes; a running app starts again
   * on empty data (same version), so show whatever runs afterwards. */
  async reset() {
    if (!window.confirm(t("preview.reset_confirm"))) return;
    const wasRunning = Boolean(this.url);
    this.setBusy(t("preview.resetting"));
    let found = null;
    try {
      await api("DELETE", `${this.base}/data`);
      if (wasRunning) found = await api("GET", this.base);
      toast(t("preview.reset_done"), "ok");
    } catch (err) {
      if (err.status !== 404) toast(showError(document.createElement("div"), err), "error", 9000);
    }
    this.setBusy("");
    this.show(found);
  }

  async stop() {
    this.setBusy(t("preview.stopping"));
    try {
      await api("DELETE", this.base);
    } catch (err) {
      toast(showError(document.createElement("div"), err), "error");
    }
    this.setBusy("");
    this.show(null);
  }
}
