// Whether the shown evidence is for the project's current version, and the Verify action. A save, a
// new, renamed or deleted file or a restore makes the evidence an older version's ("stale", named in
// the header's badge and the Evidence tab); Verify starts a free verify run whose steps (tests, boot,
// pages; the security scan beside them) show live here from the run's event stream, and whose
// evidence then fills the Evidence tab. The state always comes from GET .../verification.
import { api } from "../lib/api.js";
import { describe } from "../lib/errors.js";
import { h, toast } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { follow } from "../chat/stream.js";

const BADGE = { verified: "succeeded", failing: "failed", stale: "stale", verifying: "running", unverified: "none" };
const ICON = { pending: "○", running: "◌", succeeded: "✓", failed: "✗", skipped: "–" };
const short = (sha) => String(sha || "").slice(0, 7);

export class Verifier {
  /** `onEnd()`: a verify run started or ended (the conversation waits for it); `onVersion(sha)`: its
   * new security report made `sha` HEAD. */
  constructor({ projectId, root, onEnd = () => {}, onVersion = () => {} }) {
    this.base = `/api/projects/${projectId}`;
    this.root = root;
    this.onEnd = onEnd;
    this.onVersion = onVersion;
    this.badge = document.getElementById("verify-badge");
    this.bar = document.getElementById("verify-bar");
    this.stateText = document.getElementById("verify-state");
    this.list = document.getElementById("verify-steps");
    this.body = document.getElementById("evidence-body");
    this.buttons = [...document.querySelectorAll(".verify-start")];
    this.following = null;
    this.stop = null;
    this.busy = false;
    for (const button of this.buttons) button.addEventListener("click", () => this.start());
    this.load();
  }

  /** Ask the server how things stand, show it, and follow a verify run in progress. */
  async load() {
    let found;
    try {
      found = await api("GET", `${this.base}/verification`);
    } catch (err) {
      toast(describe(err).text, "error");
      return null;
    }
    this.render(found);
    const active = found.active_run;
    if (active && active.kind === "verify" && this.following !== active.id) this.watch(active.id);
    return found;
  }

  render(found) {
    const words = { sha: short(found.commit), head: short(found.head) };
    if (this.badge) {
      this.badge.className = `badge badge-${BADGE[found.state] || "none"}`;
      this.badge.dataset.state = found.state;
      this.badge.textContent = t(`verify.badge.${found.state}`, words);
    }
    this.bar.className = `verify-bar card verify-${found.state}`;
    this.stateText.textContent = t(`verify.state.${found.state}`, words);
    this.root.dataset.verifyState = found.state;
    for (const button of this.buttons) button.disabled = this.busy || Boolean(found.active_run);
  }

  async start() {
    if (this.busy) return;
    this.busy = true;
    for (const button of this.buttons) button.disabled = true;
    try {
      const started = await api("POST", `${this.base}/verify`, this.root.dataset.head ? { base: this.root.dataset.head } : {});
      toast(t("verify.started"), "ok");
      this.busy = false;
      this.render(started.verification);
      this.watch(started.run.id);
      this.onEnd(); // the conversation sees the run in progress and waits for it
    } catch (err) {
      this.busy = false;
      const text = err.code === "conflict" && err.details && err.details.project_id ? t("change.busy") : err.code === "conflict" ? t("editor.conflict") : describe(err).text;
      toast(text, "error", 8000);
      await this.load();
    }
  }

  watch(runId) {
    if (this.stop) this.stop();
    this.following = runId;
    this.rows = new Map();
    this.list.replaceChildren();
    this.list.hidden = false;
    this.stop = follow(runId, {
      onEvent: (event) => this.apply(event),
      onEnd: (event) => this.ended(event),
      onDrop: () => {},
      onLost: () => {
        this.stop = null;
        this.following = null;
        setTimeout(() => this.load(), 2000);
      },
    });
  }

  row(name) {
    if (!this.rows.has(name)) {
      const item = {
        status: "pending",
        passed: 0,
        failed: 0,
        icon: h("span", { class: "vstep-icon", "aria-hidden": "true" }, ICON.pending),
        said: h("span", { class: "vstep-said muted small" }),
        state: h("span", { class: "sr-only" }, t("status.pending")),
      };
      item.el = h("li", { class: "vstep", dataset: { step: name, status: "pending" } }, item.icon, " ", h("strong", {}, t(`step.${name}.title`)), " ", item.said, item.state);
      this.rows.set(name, item);
      this.list.append(item.el);
    }
    return this.rows.get(name);
  }

  set(item, status) {
    item.status = status;
    item.el.dataset.status = status;
    item.icon.textContent = ICON[status] || "–";
    item.state.textContent = t(`status.${status}`);
  }

  apply(event) {
    const data = event.data || {};
    if (event.type === "run.started") for (const node of data.steps || []) this.row(node.name);
    else if (event.type === "step.started" && event.step) {
      const item = this.row(event.step);
      this.set(item, "running");
      item.said.textContent = t(`step.${event.step}.desc`);
    } else if (event.type === "test.result" && event.step) {
      const item = this.row(event.step);
      if (data.outcome === "passed") item.passed += 1;
      else if (data.outcome === "failed" || data.outcome === "error") item.failed += 1;
      item.said.textContent = `${t(`step.${event.step}.desc`)} · ✓ ${item.passed} ✗ ${item.failed}`;
    } else if (event.type === "step.finished" && event.step) {
      const item = this.row(event.step);
      this.set(item, data.status || "succeeded");
      const facts = data.facts || {};
      const wording = facts.n !== undefined ? t(`run.summary.${event.step}`, facts) : "";
      item.said.textContent = data.status === "failed" ? String(data.error || "") : wording.startsWith("run.summary.") || !wording ? String(data.summary || "") : wording;
    }
  }

  async ended(event) {
    this.stop = null;
    this.following = null;
    const found = await this.load();
    const sha = short(found ? found.commit : "");
    if (event.type === "run.finished") toast(t("verify.done", { sha }), "ok");
    else if (event.type === "run.failed") toast(t("verify.failed", { sha }), "error", 8000);
    else toast(t("verify.cancelled"), "info");
    if (window.htmx) window.htmx.trigger(this.body, "refresh");
    this.list.hidden = true; // the evidence below now has these steps, with their times
    if (found && found.head && found.head !== this.root.dataset.head) this.onVersion(found.head); // a new security report
    this.onEnd();
  }
}
