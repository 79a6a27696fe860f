// The owner's Share switch on a finished run: turns the run's public read-only link on (a new link
// each time, shown with a copy button) or off (the link stops working at once).
import { api } from "../lib/api.js";
import { h, toast } from "../lib/dom.js";
import { showError } from "../lib/errors.js";
import { t } from "../lib/i18n.js";

export class ShareSwitch {
  constructor(box) {
    this.box = box;
    this.runId = null;
    this.check = h("input", { type: "checkbox", id: "share-toggle", "data-testid": "share-toggle" });
    this.note = h("p", { class: "small muted", id: "share-note", "aria-live": "polite" });
    this.link = h("input", { id: "share-url", readonly: true, "aria-label": t("share.link"), "data-testid": "share-url" });
    this.copy = h("button", { type: "button", class: "btn btn-ghost btn-small", onclick: () => this.copyLink() }, t("share.copy"));
    this.linkRow = h("div", { class: "share-link", hidden: true }, this.link, this.copy);
    this.alert = h("div", { class: "alert alert-error", role: "alert", hidden: true });
    this.check.addEventListener("change", () => this.set(this.check.checked));
    box.replaceChildren(
      h("label", { class: "check small" }, this.check, ` ${t("share.toggle")}`),
      this.note,
      this.linkRow,
      this.alert,
    );
  }

  /** Show the switch for `runId`, as it stands now (a link made earlier is not shown again). */
  async show(runId) {
    this.runId = runId;
    this.linkRow.hidden = true;
    this.alert.hidden = true;
    try {
      const state = await api("GET", `/api/runs/${encodeURIComponent(runId)}/share`);
      this.check.checked = state.shared;
      this.note.textContent = state.shared ? t("share.hidden_link") : t("share.hint");
      this.box.hidden = false;
    } catch (err) {
      this.box.hidden = true;
    }
  }

  async set(on) {
    this.check.disabled = true;
    this.alert.hidden = true;
    const url = `/api/runs/${encodeURIComponent(this.runId)}/share`;
    try {
      if (on) {
        const made = await api("POST", url);
        this.link.value = made.url;
        this.linkRow.hidden = false;
        this.note.textContent = t("share.on");
      } else {
        await api("DELETE", url);
        this.link.value = "";
        this.linkRow.hidden = true;
        this.note.textContent = t("share.off");
      }
    } catch (err) {
      this.check.checked = !on;
      showError(this.alert, err);
    } finally {
      this.check.disabled = false;
    }
  }

  async copyLink() {
    this.link.select();
    try {
      await navigator.clipboard.writeText(this.link.value);
      toast(t("share.copied"), "ok");
    } catch {
      document.execCommand("copy"); // no clipboard API (plain http on another host): the selection
      toast(t("share.copied"), "ok");
    }
  }
}
