// The project's conversation: every request and what became of it (its changes, the files with the
// lines added and removed, the evidence, the credits), a box for the next change, the steps of a
// change live on its run's event stream (the generate page's run view), and Undo. The thread comes
// from GET /api/projects/{id}/changes, so a reload finds a change in progress there and follows it
// again from its stored events. Requests are shown as text, never as markup (lib/dom.js h()).
import { api } from "../lib/api.js";
import { refreshCredits, settleCredits } from "../lib/common.js";
import { describe } from "../lib/errors.js";
import { h, number, toast } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { follow } from "../chat/stream.js";
import { RunView } from "../chat/run-view.js";
import { PromptBox } from "../chat/prompt-box.js";
import { Estimate } from "../chat/estimate.js";
import { builtOffline, sentence } from "../chat/outcome.js";

const ACTIVE = new Set(["queued", "running"]);
// Refusals whose server message is meant for the user as it is (in the app's language).
const PLAIN = new Set(["change_not_understood", "change_conflict", "invalid_input", "conflict"]);
const SAYS_FREE = /cobrado nada|nothing was charged|or charged/i;

const short = (sha) => String(sha || "").slice(0, 7);

export class ChangeChat {
  /** `onVersion(sha, message)`: a change or an undo made `sha` the project's HEAD; `onDiff(sha)`: show
   * that commit's differences. */
  constructor({ projectId, onVersion, onDiff }) {
    this.projectId = projectId;
    this.base = `/api/projects/${projectId}`;
    this.onVersion = onVersion;
    this.onDiff = onDiff;
    this.root = document.getElementById("change-chat");
    this.thread = document.getElementById("thread");
    this.live = document.getElementById("change-live");
    this.form = document.getElementById("change-form");
    this.box = document.getElementById("change-request");
    this.alert = document.getElementById("change-alert");
    this.send = document.getElementById("change-send");
    this.sendLabel = this.send.querySelector(".label");
    this.sendText = this.sendLabel.textContent;
    this.undoButton = document.getElementById("change-undo");
    this.cancelButton = document.getElementById("cancel-run");
    this.balance = document.getElementById("change-balance");
    this.view = new RunView({ running: "change.steps" });
    this.running = null; // the change run followed live
    this.stop = null;
    this.busy = false;
    this.generating = this.root.dataset.generating === "true";
    const model = document.getElementById("change-model");
    // Asked only when a model would make the change ("": the project's builder, decided by the server).
    // A model would make the change: whether the Blueprint may make it when the model fails.
    this.fallbackField = document.getElementById("change-fallback-field");
    this.estimate = new Estimate(
      document.getElementById("change-estimate"),
      (request, chosen) => ({ url: `${this.base}/changes/estimate`, body: chosen ? { request, model: chosen } : { request } }),
      (answer) => {
        this.fallbackField.hidden = !(answer && answer.model);
      },
    );
    const reestimate = () => this.estimate.update(this.request && !this.request.over ? this.box.value : "", model?.value ?? "");
    model?.addEventListener("change", reestimate);
    this.request = new PromptBox(
      this.box,
      document.getElementById("change-count"),
      document.getElementById("change-error"),
      () => {
        this.sync();
        reestimate();
      },
      { tooLong: (length, limit) => t("change.err.too_long", { length: number(length), limit: number(limit) }) },
    );
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.box.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.submit();
      }
    });
    this.undoButton.addEventListener("click", () => this.undo());
    this.cancelButton.addEventListener("click", () => this.cancel());
    this.load();
  }

  /** Buttons as the state allows: one run at a time, nothing sent over the limit. */
  sync() {
    const blocked = this.busy || this.running !== null || this.generating;
    this.send.disabled = blocked || Boolean(this.request && this.request.over); // the box counts once before it is kept
    this.undoButton.disabled = blocked;
    this.sendLabel.textContent = this.busy ? t("change.sending") : this.sendText;
  }

  showBalance(credits) {
    this.balance.textContent = t("chat.credits_n", { n: credits.available });
  }

  /** Read the thread again and show it; follow a change in progress (after a reload too). */
  async load() {
    let thread;
    try {
      thread = await api("GET", `${this.base}/changes`);
    } catch (err) {
      this.say(err);
      return null;
    }
    this.render(thread);
    const active = thread.active_run;
    this.generating = Boolean(active && active.kind !== "change");
    if (active && active.kind === "change" && this.running !== active.id) this.watch(active.id);
    this.sync();
    return thread;
  }

  render(thread) {
    const items = thread.messages.map((m) => this.message(m));
    if (!thread.messages.some((m) => m.kind !== "generation")) {
      items.push(h("li", { class: "thread-note muted" }, t("change.empty")));
    }
    this.thread.replaceChildren(...items);
    this.undoButton.hidden = !thread.can_undo;
    this.thread.scrollTop = this.thread.scrollHeight;
  }

  message(m) {
    const attrs = { class: `msg msg-${m.kind}`, dataset: { kind: m.kind, status: m.status, id: m.id }, "data-testid": `msg-${m.kind}` };
    if (m.kind === "undo") {
      return h(
        "li",
        attrs,
        h(
          "div",
          { class: "bubble bubble-app bubble-undo" },
          h("p", { class: "outcome" }, `↶ ${t("change.undo_done", { sha: short(m.base_commit), commit: short(m.commit) })}`),
          m.changes.length ? h("ul", { class: "change-list undone-list" }, m.changes.map((c) => h("li", {}, c))) : null,
        ),
      );
    }
    const you = h(
      "div",
      { class: "bubble bubble-user" },
      h("span", { class: "who" }, t("change.you")),
      h("p", { class: "said" }, m.request),
    );
    return h("li", attrs, you, m.kind === "generation" ? this.generationReply(m) : this.changeReply(m));
  }

  generationReply(m) {
    const words = m.status === "succeeded" ? t("change.generated") : ACTIVE.has(m.status) ? t("change.generation_running") : t("change.generation_failed");
    return h("div", { class: "bubble bubble-app" }, h("span", { class: "who" }, t("change.app")), h("p", { class: "outcome" }, words));
  }

  changeReply(m) {
    let outcome;
    if (m.status === "succeeded") outcome = h("p", { class: "outcome ok-text" }, `✓ ${t("change.verified", { sha: short(m.commit) })}`);
    else if (m.status === "failed") outcome = h("p", { class: "outcome text-error" }, `✗ ${t("change.failed")}`, m.error ? h("span", { class: "why" }, ` ${m.error}`) : null);
    else if (m.status === "cancelled") outcome = h("p", { class: "outcome" }, t("change.cancelled"));
    else outcome = h("p", { class: "outcome muted" }, m.status === "queued" ? t("change.queued") : t("change.running"));
    const files = m.files.length
      ? h(
          "details",
          { class: "change-files", open: m.status === "succeeded" },
          h("summary", {}, `${t("change.files")} (${m.files.length})`),
          h(
            "ul",
            {},
            m.files.map((f) =>
              h(
                "li",
                { "data-path": f.path },
                h("span", { class: "mono" }, f.path),
                " ",
                h("span", { class: "add" }, `+${f.added}`),
                " ",
                h("span", { class: "del" }, `−${f.removed}`),
              ),
            ),
          ),
          m.commit && m.status === "succeeded"
            ? h("button", { type: "button", class: "btn btn-ghost btn-small view-diff", onclick: () => this.onDiff(m.commit) }, t("change.view_diff"))
            : null,
        )
      : null;
    const ev = m.evidence;
    const evidence = ev && m.status === "succeeded"
      ? h("p", { class: "evidence-line small", "data-testid": "change-evidence" }, t("change.evidence", { tests: ev.tests_passed, pages_ok: ev.pages_ok, pages: ev.pages_probed, findings: ev.findings }))
      : null;
    const money = m.credits;
    let credits = null;
    if (money && money.charged !== null && money.charged !== undefined) {
      credits = money.charged > 0 ? t("change.charged", { n: money.charged }) : t("change.refunded", { n: money.returned ?? money.held });
    } else if (money && ACTIVE.has(m.status)) credits = t("change.held", { n: money.held });
    return h(
      "div",
      { class: "bubble bubble-app" },
      h("span", { class: "who" }, t("change.app"), m.undone_by ? h("span", { class: "badge badge-undone" }, t("change.undone")) : null),
      m.changes.length ? h("ul", { class: "change-list", "data-testid": "change-list" }, m.changes.map((c) => h("li", {}, c))) : null,
      outcome,
      // Who made the version, when a model was asked ("built offline: <model> failed (…)" included).
      m.status === "succeeded" && m.offline
        ? h("p", { class: "small muted made-by" }, sentence(builtOffline({ fell_back: true, chosen: m.offline.model, failed: { reason: m.offline.reason } })))
        : m.status === "succeeded" && m.made_by && m.made_by !== "blueprint"
          ? h("p", { class: "small muted made-by" }, t("change.made_by", { model: m.made_by }))
          : null,
      files,
      evidence,
      credits ? h("p", { class: "credits-line small muted" }, credits) : null,
    );
  }

  watch(runId) {
    if (this.stop) this.stop();
    this.running = runId;
    this.live.hidden = false;
    this.view.reset();
    this.view.status.textContent = t("change.queued");
    this.cancelButton.hidden = false;
    this.sync();
    this.stop = follow(runId, {
      onEvent: (event) => this.view.apply(event),
      onEnd: (event) => this.ended(runId, event),
      onDrop: (dropped = true) => {
        if (dropped) this.view.status.textContent = t("run.reconnecting");
        else if (!this.view.steps.size) this.view.status.textContent = t("change.queued");
      },
      onLost: () => {
        // The stream was refused (a session that ended, a run that is gone): ask the thread.
        this.stop = null;
        this.running = null;
        setTimeout(() => this.load(), 2000);
      },
    });
  }

  async ended(runId, event) {
    this.view.close(event);
    this.stop = null;
    this.running = null;
    this.cancelButton.hidden = true;
    this.live.hidden = true;
    const thread = await this.load();
    settleCredits((credits) => this.showBalance(credits)).catch(() => {});
    const message = thread && thread.messages.find((m) => m.id === runId);
    if (event.type === "run.finished" && message && message.commit) this.onVersion(message.commit, message);
  }

  async submit() {
    this.alert.hidden = true;
    if (this.send.disabled) return;
    const { text, over } = this.request.update();
    if (!text) this.request.say("empty", t("change.err.empty"));
    if (!text || over) {
      this.box.focus();
      return;
    }
    this.busy = true;
    this.sync();
    try {
      // One key per send: a double click or a retried request never starts (or charges) twice.
      const body = { request: text };
      const model = document.getElementById("change-model")?.value; // "": the server's default
      if (model) body.model = model;
      if (!this.fallbackField.hidden) body.fallback = document.getElementById("change-fallback").checked;
      const started = await api("POST", `${this.base}/changes`, body, { "Idempotency-Key": crypto.randomUUID() });
      this.box.value = "";
      this.request.update();
      toast(t("change.sent"), "ok");
      refreshCredits().then((credits) => this.showBalance(credits)).catch(() => {});
      this.busy = false;
      await this.load();
      if (this.running !== started.run.id && ACTIVE.has(started.run.status)) this.watch(started.run.id);
    } catch (err) {
      this.say(err);
    } finally {
      this.busy = false;
      this.sync();
    }
  }

  /** A refusal in the page's language where the page has the words; nothing was held for it. */
  say(err) {
    const details = err.details || {};
    let text;
    if (err.code === "prompt_too_long" && Number.isFinite(details.length)) {
      text = t("change.err.too_long", { length: number(details.length), limit: number(details.limit) });
    } else if (err.code === "prompt_rejected") {
      text = details.reason === "binary" ? t("change.err.binary") : t("change.err.empty");
    } else if (err.code === "conflict" && details.project_id) {
      text = t("change.busy");
    } else {
      text = PLAIN.has(err.code) ? err.message : describe(err).text;
    }
    const parts = [h("p", { class: "alert-text" }, text)];
    if (err.code === "change_conflict" && Array.isArray(details.files)) {
      parts.push(h("p", { class: "small" }, t("change.conflict_files", { files: details.files.join(", ") })));
    }
    if (err.status >= 400 && err.status < 500 && !SAYS_FREE.test(text)) parts.push(h("p", { class: "small" }, t("change.nothing_charged")));
    this.alert.replaceChildren(...parts);
    this.alert.hidden = false;
    this.alert.scrollIntoView({ block: "nearest" });
  }

  async undo() {
    if (!window.confirm(t("change.undo_confirm"))) return;
    this.alert.hidden = true;
    this.busy = true;
    this.sync();
    try {
      const done = await api("POST", `${this.base}/undo`);
      toast(t("change.undo_done", { sha: short(done.base_commit), commit: short(done.commit) }), "ok");
      await this.load();
      this.onVersion(done.commit, done);
    } catch (err) {
      this.say(err);
    } finally {
      this.busy = false;
      this.sync();
    }
  }

  async cancel() {
    if (!this.running || !window.confirm(t("change.cancel_confirm"))) return;
    this.cancelButton.disabled = true;
    this.view.status.textContent = t("run.cancelling");
    try {
      await api("POST", `/api/runs/${this.running}/cancel`);
    } catch (err) {
      this.say(err);
    } finally {
      this.cancelButton.disabled = false;
    }
  }
}
