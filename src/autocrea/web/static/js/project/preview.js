// The live preview: the generated app runs on its own origin and is framed with
// sandbox="allow-scripts allow-forms" (never allow-same-origin), so it can neither read AUTOCREA's
// cookies nor call AUTOCREA's API as the user.
import { api } from "../lib/api.js";
import { showError } from "../lib/errors.js";
import { t } from "../lib/i18n.js";
import { toast } from "../lib/dom.js";

export class Preview {
  constructor(projectId) {
    this.base = `/api/projects/${projectId}/preview`;
    this.frame = document.getElementById("preview-frame");
    this.empty = document.getElementById("preview-empty");
    this.state = document.getElementById("preview-state");
    this.link = document.getElementById("preview-url");
    this.buttons = Object.fromEntries(
      ["start", "reload", "restart", "stop"].map((name) => [name, document.getElementById(`preview-${name}`)]),
    );
    this.checked = false;
    this.buttons.start.addEventListener("click", () => this.start());
    this.buttons.restart.addEventListener("click", () => this.start());
    this.buttons.stop.addEventListener("click", () => this.stop());
    this.buttons.reload.addEventListener("click", () => {
      this.frame.src = this.link.href; // cross-origin: reload by navigating again
    });
  }

  show(url) {
    const running = Boolean(url);
    this.state.textContent = running ? t("preview.running") : t("preview.stopped");
    this.state.classList.toggle("running", running);
    this.frame.hidden = !running;
    this.empty.hidden = running;
    this.link.hidden = !running;
    this.buttons.start.hidden = running;
    for (const name of ["reload", "restart", "stop"]) this.buttons[name].hidden = !running;
    if (running) {
      this.link.href = url;
      this.link.textContent = url;
      if (this.frame.src !== url) this.frame.src = url;
    } else {
      this.frame.removeAttribute("src");
    }
  }

  setBusy(text) {
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
      this.show((await api("GET", this.base)).url);
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
      this.frame.removeAttribute("src"); // a restart keeps the URL; force the frame to load again
      this.show(preview.url);
    } catch (err) {
      this.setBusy("");
      this.show(null);
      toast(showError(document.createElement("div"), err), "error", 9000);
    }
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
