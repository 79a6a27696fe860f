// Before a run with a model: what it will send and may cost (POST /api/billing/estimate, or a
// project's changes/estimate), asked again a moment after the text or the model changes. The
// offline engine costs credits only, so nothing is shown for it.
import { api } from "../lib/api.js";
import { describe } from "../lib/errors.js";
import { t } from "../lib/i18n.js";
import { money, number } from "../lib/dom.js";

const WAIT_MS = 600;

export class Estimate {
  /** `ask(text, model)` gives the {url, body} of the question; `onAnswer(body)` hears each answer
   * (null when nothing is asked: the offline engine, or no text). */
  constructor(box, ask = (prompt, model) => ({ url: "/api/billing/estimate", body: { prompt, model } }), onAnswer = () => {}) {
    this.box = box;
    this.question = ask;
    this.onAnswer = onAnswer;
    this.timer = null;
    this.asked = 0; // answers to older questions are dropped
  }

  /** Ask again soon for `prompt` with `model`; nothing is shown for the offline engine or no text. */
  update(prompt, model) {
    clearTimeout(this.timer);
    if (model === "blueprint" || !prompt.trim()) {
      this.asked += 1;
      this.box.hidden = true;
      this.onAnswer(null);
      return;
    }
    this.timer = setTimeout(() => this.ask(prompt, model), WAIT_MS);
  }

  async ask(prompt, model) {
    const mine = ++this.asked;
    this.box.dataset.state = "asking";
    let body;
    try {
      const { url, body: question } = this.question(prompt, model);
      body = await api("POST", url, question);
    } catch (err) {
      if (mine !== this.asked) return;
      this.box.dataset.state = "error";
      this.box.textContent = t("estimate.failed", { why: describe(err).text });
      this.box.hidden = false;
      return;
    }
    if (mine !== this.asked) return;
    this.onAnswer(body);
    if (!body.model) {
      this.box.hidden = true;
      return;
    }
    const m = body.model;
    const parts = [
      t("estimate.tokens", { sent: number(m.prompt_tokens), answers: number(m.max_completion_tokens) }),
      t("estimate.money", { usd: money(m.cost_usd_max), model: m.model }),
    ];
    if (!m.complete) parts.push(t("estimate.partial"));
    this.box.dataset.state = "ready";
    this.box.textContent = parts.join(" ");
    this.box.hidden = false;
  }
}
