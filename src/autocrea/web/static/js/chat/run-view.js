// The live run: one row per DAG step with its status, timing, log, files and test results, an overall
// progress bar (the share of DAG steps done, as the server computes it) and the final result card.
import { clock, h, money, number, seconds } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { builtOffline, failureText, logParams, sentence } from "./outcome.js";

const ROLES = new Set(["architect", "backend", "frontend", "devops", "tester", "security"]);
// Steps with a title and description in both languages: the roles, and a change run's own steps.
const TITLED = new Set([...ROLES, "change", "version"]);
const MAX_LOG = 400;
const MAX_TOKENS = 6000;

function roleText(name, part, fallback) {
  return TITLED.has(name) ? t(`step.${name}.${part}`) : fallback;
}

/** What the model really used, per role and in total, with its price: a table, or "" offline. */
function usageTable(summary) {
  const roles = Object.entries(summary.roles || {});
  if (!roles.length) return "";
  const row = (cells, header = false) => h("tr", {}, ...cells.map((c, i) => h(i === 0 || header ? "th" : "td", i === 0 && !header ? { scope: "row" } : header ? { scope: "col" } : {}, c)));
  const total = roles.reduce((sum, [, r]) => [sum[0] + r.prompt_tokens, sum[1] + r.completion_tokens], [0, 0]);
  return h(
    "div",
    { class: "usage", "data-testid": "usage" },
    h(
      "table",
      { class: "table compact" },
      h("caption", {}, t("usage.title")),
      h("thead", {}, row([t("usage.role"), t("usage.sent"), t("usage.received"), t("usage.cost")], true)),
      h(
        "tbody",
        {},
        ...roles.map(([role, r]) => row([roleText(role, "title", role), number(r.prompt_tokens), number(r.completion_tokens), money(r.cost_usd)])),
      ),
      h("tfoot", {}, row([t("usage.total"), number(total[0]), number(total[1]), money(summary.cost_usd || 0)])),
    ),
    h("p", { class: "small muted" }, t("usage.prices")),
    summary.tokens_estimated ? h("p", { class: "small muted" }, t("usage.estimated")) : "",
  );
}

// A finished step's line in the page's language, from the facts the server sends beside its English
// summary; a step without facts (or an unknown one) keeps the server's words. A change step's
// changes are already in the app's language; its version step names the commit it made.
function stepSummary(name, data) {
  const key = name === "backend" || name === "frontend" || name === "devops" ? "builder" : name;
  const facts = data.facts || {};
  if (name === "change" && typeof facts.model === "string") return t("run.summary.change_model", { n: (facts.files || []).length, model: facts.model });
  if (name === "change" && Array.isArray(facts.changes)) return facts.changes.join("; ");
  if (name === "version" && typeof facts.commit === "string") return t("run.summary.version", { sha: facts.commit.slice(0, 7) });
  if (!ROLES.has(name) || facts.n === undefined) return data.summary;
  const features = featureNames(facts.features) || t("run.summary.none");
  const wording = t(`run.summary.${key}`, { ...facts, features });
  return wording.startsWith("run.summary.") ? data.summary : wording;
}

// Feature ids (`auth`, `search`) as the page's words; an id the page has no word for stays as it is.
function featureNames(ids) {
  return (Array.isArray(ids) ? ids : []).map((f) => {
    const word = t(`feature.${f}`);
    return word.startsWith("feature.") ? String(f) : word;
  }).join(", ");
}

// What the description asked for that was not built (the architect's stubs), said apart from the
// features so a step never claims them; empty when everything asked for was built.
function stubsLine(data) {
  const stubs = featureNames((data.facts || {}).stubs);
  return stubs ? t("run.summary.stubs", { features: stubs }) : "";
}

// A log line in the page's language when the server gave it a key (the steps' own messages); lines
// from tools and models stay as they are.
function logLine(data) {
  const message = String(data.message || "");
  if (!data.key) return message;
  const params = { ...(data.params || {}) };
  if (Array.isArray(params.steps)) params.steps = params.steps.map((s) => roleText(s, "title", s)).join(", ");
  const wording = t(`log.${data.key}`, logParams(params));
  return wording.startsWith("log.") ? message : wording;
}

class StepRow {
  constructor(node) {
    this.name = node.name;
    this.title = roleText(node.name, "title", node.title || node.name);
    this.status = "pending";
    this.started = null;
    this.finished = null;
    this.files = 0;
    this.tests = { passed: 0, failed: 0 };
    this.pages = { ok: 0, total: 0 };
    this.tokens = "";
    this.statusText = h("span", { class: "sr-only" }, t("status.pending"));
    this.time = h("span", { class: "step-time" });
    this.summary = h("p", { class: "step-summary", hidden: true });
    this.stubs = h("p", { class: "step-stubs", hidden: true });
    this.meta = h("p", { class: "step-meta", hidden: true });
    this.last = h("p", { class: "step-last", hidden: true });
    this.log = h("ol", { class: "step-log" });
    this.tokenBox = h("pre", { class: "step-tokens", hidden: true, "aria-label": t("run.model_output") });
    this.details = h("details", { hidden: true }, h("summary", {}, t("run.logs")), this.log, this.tokenBox);
    this.el = h(
      "li",
      { class: "step", dataset: { step: node.name, status: "pending" } },
      h(
        "div",
        { class: "step-head" },
        h("span", { class: "step-status", "aria-hidden": "true" }),
        h("span", { class: `role-mark role-${node.name}`, "aria-hidden": "true" }, this.title.slice(0, 1)),
        h("span", { class: "step-name" }, this.title),
        h("span", { class: "step-desc" }, roleText(node.name, "desc", "")),
        this.statusText,
        this.time,
      ),
      this.summary,
      this.stubs,
      this.last,
      this.meta,
      this.details,
    );
  }

  setStatus(status) {
    this.status = status;
    this.el.dataset.status = status;
    this.statusText.textContent = t(`status.${status}`);
    const mark = { succeeded: "✓", failed: "✗", skipped: "–" }[status] || "";
    this.el.querySelector(".step-status").textContent = mark;
  }

  addLog(text, cls = "") {
    if (this.log.childElementCount >= MAX_LOG) this.log.firstElementChild.remove();
    this.log.append(h("li", { class: cls }, text));
    this.last.textContent = text;
    this.last.hidden = this.status !== "running";
    this.details.hidden = false;
  }

  addTokens(text) {
    this.tokens = (this.tokens + text).slice(-MAX_TOKENS);
    this.tokenBox.textContent = this.tokens;
    this.tokenBox.hidden = false;
    this.details.hidden = false;
  }

  renderMeta() {
    const parts = [];
    if (this.files) parts.push(t("run.files_n", { n: this.files }));
    if (this.tests.passed || this.tests.failed) parts.push(t("run.tests", this.tests));
    if (this.pages.total) parts.push(t("run.pages", this.pages));
    this.meta.replaceChildren(...parts.map((p) => h("span", {}, p)));
    this.meta.hidden = parts.length === 0;
  }

  tick(now) {
    if (this.started === null) return;
    const end = this.finished ?? now;
    this.time.textContent = seconds(Math.max(0, end - this.started));
  }
}

export class RunView {
  /** `running`: the key of the status line while steps run ("run.running": "Generating: 2 of 6…"). */
  constructor({ running = "run.running" } = {}) {
    this.runningKey = running;
    this.list = document.getElementById("steps");
    this.bar = document.getElementById("run-progress-bar");
    this.progress = document.getElementById("run-progress");
    this.percent = document.getElementById("run-percent");
    this.elapsed = document.getElementById("run-elapsed");
    this.status = document.getElementById("run-status");
    this.result = document.getElementById("run-result");
    this.steps = new Map();
    this.startedAt = null;
    this.endedAt = null;
    this.done = false;
    this.timer = setInterval(() => this.tick(), 500);
  }

  reset() {
    this.steps.clear();
    this.list.replaceChildren();
    this.result.hidden = true;
    this.result.replaceChildren();
    this.startedAt = this.endedAt = null;
    this.done = false;
    this.setProgress(0);
    this.status.textContent = t("run.connecting");
  }

  setProgress(fraction) {
    const pct = Math.round(Math.min(1, Math.max(0, fraction)) * 100);
    this.bar.style.width = `${pct}%`;
    this.percent.textContent = `${pct}%`;
    this.progress.setAttribute("aria-valuenow", String(pct));
  }

  tick() {
    const now = Date.now() / 1000;
    if (this.startedAt !== null) this.elapsed.textContent = clock((this.endedAt ?? now) - this.startedAt);
    for (const step of this.steps.values()) step.tick(now);
  }

  finishedCount() {
    return [...this.steps.values()].filter((s) => !["pending", "running"].includes(s.status)).length;
  }

  step(name) {
    if (!this.steps.has(name)) this.addStep({ name, title: name, after: [] });
    return this.steps.get(name);
  }

  addStep(node) {
    const row = new StepRow(node);
    this.steps.set(node.name, row);
    this.list.append(row.el);
  }

  /** Apply one event of the run's stream (see domain/events.py). */
  apply(event) {
    const data = event.data || {};
    switch (event.type) {
      case "run.started":
        this.startedAt = event.ts;
        for (const node of data.steps || []) if (!this.steps.has(node.name)) this.addStep(node);
        break;
      case "step.started": {
        const step = this.step(event.step);
        step.started = event.ts;
        step.setStatus("running");
        break;
      }
      case "step.log":
        this.step(event.step).addLog(logLine(data));
        break;
      case "step.token":
        this.step(event.step).addTokens(String(data.text || ""));
        break;
      case "file.written": {
        const step = this.step(event.step);
        step.files += 1;
        step.addLog(`+ ${data.path} (${data.lines ?? "?"})`, "file");
        step.renderMeta();
        break;
      }
      case "test.result": {
        const step = this.step(event.step);
        const passed = data.outcome === "passed";
        if (data.kind === "page") {
          step.pages.total += 1;
          if (passed) step.pages.ok += 1;
        } else if (passed) step.tests.passed += 1;
        else if (data.outcome === "failed" || data.outcome === "error") step.tests.failed += 1;
        if (!passed) step.addLog(`✗ ${data.name} ${data.message || data.status || ""}`, "test-failed");
        step.renderMeta();
        break;
      }
      case "step.finished": {
        const step = this.step(event.step);
        step.finished = event.ts;
        if (step.started === null) step.started = event.ts - (data.seconds || 0);
        step.setStatus(data.status || "succeeded");
        step.last.hidden = true;
        if (data.summary) {
          step.summary.textContent = stepSummary(event.step, data);
          step.summary.hidden = false;
        }
        step.stubs.textContent = stubsLine(data);
        step.stubs.hidden = !step.stubs.textContent;
        if (typeof data.progress === "number") this.setProgress(data.progress);
        break;
      }
      default:
        break;
    }
    if (!this.done && this.steps.size) {
      this.status.textContent = t(this.runningKey, { done: this.finishedCount(), total: this.steps.size });
    }
    this.tick();
  }

  /** The run ended: close every step honestly (a run that stopped early leaves steps without an
   * end of their own) and stop the clocks. */
  close(event) {
    this.done = true;
    this.endedAt = event.ts;
    for (const step of this.steps.values()) {
      step.last.hidden = true;
      if (event.type !== "run.finished" && step.status === "running") step.setStatus(event.type === "run.failed" ? "failed" : "skipped");
      else if (event.type !== "run.finished" && step.status === "pending") step.setStatus("skipped");
      if (step.finished === null && step.started !== null) step.finished = event.ts;
    }
    if (event.type === "run.finished") this.setProgress(1);
    this.tick();
  }

  /** The run ended: say how, with what to do next. */
  finish(event, { projectId, cost, onRetry }) {
    this.close(event);
    const data = event.data || {};
    const zip = h("a", { class: "btn btn-ghost", href: `/api/projects/${projectId}/zip`, download: true }, t("run.zip"));
    if (event.type === "run.finished") {
      this.setProgress(1);
      this.status.textContent = t("run.finished");
      const s = data.summary || {};
      const stat = (value, label) => h("div", {}, h("strong", {}, String(value)), h("span", {}, label));
      this.result.replaceChildren(
        h("div", { class: "alert alert-success" }, h("strong", {}, `✓ ${t("run.finished")}`)),
        // Built, but not by the model chosen: say so before anything else, with the price it paid.
        builtOffline(s.model)
          ? h(
              "div",
              { class: "alert alert-warn", "data-testid": "built-offline" },
              h("p", {}, h("strong", {}, sentence(builtOffline(s.model)))),
              h("p", {}, t("built.note")),
            )
          : "", // replaceChildren would print a null as "null"
        h(
          "div",
          { class: "result-stats" },
          stat(s.files ?? 0, t("run.stat.files")),
          stat(`${s.tests_passed ?? 0}`, t("run.stat.tests")),
          stat(`${s.pages_ok ?? 0}/${s.pages_probed ?? 0}`, t("run.stat.pages")),
          stat(s.findings ?? 0, t("run.stat.findings")),
          stat(clock(s.seconds ?? event.ts - (this.startedAt ?? event.ts)), t("run.stat.time")),
        ),
        usageTable(s),
        h(
          "div",
          { class: "row" },
          h("a", { class: "btn btn-primary", href: `/projects/${projectId}`, id: "open-project" }, t("run.open_project")),
          h("a", { class: "btn btn-ghost", href: `/projects/${projectId}#preview` }, t("run.preview")),
          zip,
        ),
      );
    } else {
      const failed = event.type === "run.failed";
      this.status.textContent = failed ? t("run.failed") : t("run.cancelled");
      this.result.replaceChildren(
        h(
          "div",
          { class: failed ? "alert alert-error" : "alert alert-warn" },
          h("p", {}, h("strong", {}, failed ? t("run.failed") : t("run.cancelled")), " ", failureText(data.code, data.details) || data.error || ""),
          h("p", {}, t("run.refunded", { cost })),
          failed ? h("p", {}, t("run.next_failed")) : null,
          usageTable(data.summary || {}),
          h(
            "div",
            { class: "actions" },
            h("button", { type: "button", class: "btn btn-primary btn-small", onclick: onRetry }, t("run.retry")),
            h("a", { class: "btn btn-ghost btn-small", href: `/projects/${projectId}` }, t("run.open_project")),
          ),
        ),
      );
    }
    this.result.hidden = false;
    this.tick();
  }
}
