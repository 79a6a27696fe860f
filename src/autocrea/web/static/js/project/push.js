// The project's Git panel: save a remote (https address, optional username, a token that may push)
// and push the main branch to it. The token goes to the server once and is never shown again (the
// server renders only its last characters); failures are said in the page's language by their code,
// and a rejected push (the remote has other commits) offers an explicit, confirmed overwrite.
import { api } from "../lib/api.js";
import { describe } from "../lib/errors.js";
import { t } from "../lib/i18n.js";

const PUSH_ERRORS = new Set(["remote_auth_failed", "push_rejected", "remote_unreachable", "push_failed"]);

export class Pusher {
  constructor({ projectId }) {
    this.base = `/api/projects/${projectId}`;
    this.form = document.getElementById("push-form");
    if (!this.form) return;
    this.url = document.getElementById("push-url");
    this.username = document.getElementById("push-username");
    this.token = document.getElementById("push-token");
    this.save = document.getElementById("push-save");
    this.send = document.getElementById("push-send");
    this.force = document.getElementById("push-force");
    this.status = document.getElementById("push-status");
    this.saved = this.form.dataset.remote === "true";
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.store();
    });
    this.send.addEventListener("click", () => this.push(false));
    this.force.addEventListener("click", () => {
      if (window.confirm(t("push.force_confirm"))) this.push(true);
    });
  }

  say(text, kind = "") {
    this.status.textContent = text;
    this.status.className = `small ${kind}`.trim();
  }

  words(err) {
    if (PUSH_ERRORS.has(err.code)) return t(`push.err.${err.code}`, { message: err.message });
    return describe(err).text;
  }

  busy(on) {
    for (const button of [this.save, this.send, this.force]) button.disabled = on;
    if (!on) this.send.disabled = !this.saved;
  }

  async store() {
    const url = this.url.value.trim();
    if (!url) return this.say(t("push.no_url"), "text-error");
    if (!this.saved && !this.token.value) return this.say(t("push.no_token"), "text-error");
    const body = { url };
    if (this.token.value) body.token = this.token.value;
    if (this.username.value.trim()) body.username = this.username.value.trim();
    this.busy(true);
    try {
      const remote = await api("PUT", `${this.base}/remote`, body);
      this.saved = true;
      this.token.value = "";
      this.token.placeholder = t("push.token_saved", { hint: remote.token_hint });
      this.username.value = remote.username;
      this.say(t("push.saved"), "ok-text");
    } catch (err) {
      this.say(this.words(err), "text-error");
    } finally {
      this.busy(false);
    }
  }

  async push(force) {
    this.force.hidden = true;
    this.busy(true);
    this.say(t("push.pushing"));
    try {
      const done = await api("POST", `${this.base}/push`, { force });
      this.say(t("push.done", { sha: done.commit.slice(0, 7) }), "ok-text");
    } catch (err) {
      this.say(this.words(err), "text-error");
      this.force.hidden = err.code !== "push_rejected";
    } finally {
      this.busy(false);
    }
  }
}
