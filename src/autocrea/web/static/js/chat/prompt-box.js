// The description box: a live character count that agrees with the server, and a description over
// the limit refused here with the API's own words (prompt_too_long) instead of being cut silently.
// The API's check (domain/prompt.py clean_prompt) stays the authority; this only saves a round trip.
import { describe } from "../lib/errors.js";
import { number } from "../lib/dom.js";

// Python's str.strip() removes exactly the characters of str.isspace(); JavaScript's trim() differs
// (it removes U+FEFF and keeps U+001C–U+001F and U+0085), so the server's set is spelled out here.
function isSpace(c) {
  return (
    (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c === 0x85 || c === 0xa0 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

/** The text the server keeps: NFC, then trimmed as Python trims (all those spaces are one UTF-16 unit). */
export function cleanPrompt(raw) {
  const text = raw.normalize("NFC");
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) start += 1;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end -= 1;
  return text.slice(start, end);
}

/** Characters as Python counts them: code points, not UTF-16 units (an emoji is one, not two). */
export function codePoints(text) {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

export class PromptBox {
  /** `box` is the textarea (its data-limit is the server's limit), `counter` and `error` its notes;
   * `tooLong(length, limit)` words the refusal of a text over the limit (the API's own by default). */
  constructor(box, counter, error, onChange = () => {}, { tooLong = null } = {}) {
    this.tooLong = tooLong || ((length, limit) => describe({ code: "prompt_too_long", details: { length, limit } }).text);
    this.box = box;
    this.counter = counter;
    this.value = counter.querySelector(".count-value") || counter;
    this.error = error;
    this.limit = Number(box.dataset.limit);
    this.onChange = onChange;
    box.addEventListener("input", () => this.update());
    this.update();
  }

  get over() {
    return this.length > this.limit;
  }

  /** Count again (after typing, pasting or a script setting the value); returns the state. */
  update() {
    this.text = cleanPrompt(this.box.value);
    this.length = codePoints(this.text);
    const over = this.over;
    this.value.textContent = `${number(this.length)} / ${number(this.limit)}`;
    this.counter.dataset.state = over ? "over" : this.length >= this.limit * 0.9 ? "near" : "ok";
    if (over) {
      this.say("too_long", this.tooLong(this.length, this.limit));
    } else if (this.error.dataset.reason === "too_long" || (this.text && this.error.dataset.reason === "empty")) {
      this.say(null, "");
    }
    this.onChange(this);
    return { text: this.text, length: this.length, over };
  }

  /** Show (or, with no reason, hide) the box's error; `reason` is "empty" or "too_long". */
  say(reason, text) {
    this.error.textContent = text;
    this.error.hidden = !reason;
    this.error.dataset.reason = reason || "";
    this.box.setAttribute("aria-invalid", reason ? "true" : "false");
  }
}
