// The generate page: describe, pick a model, see the cost, start; then watch the run live. The run id
// goes into the address (/chat?run=...), so a reload picks the run up again from its stored events.
import { refreshCredits, settleCredits } from "../lib/common.js";
import { api } from "../lib/api.js";
import { showError } from "../lib/errors.js";
import { t } from "../lib/i18n.js";
import { toast } from "../lib/dom.js";
import { follow } from "../chat/stream.js";
import { RunView } from "../chat/run-view.js";
import { PromptBox } from "../chat/prompt-box.js";
import { ShareSwitch } from "../chat/share.js";
import { Estimate } from "../chat/estimate.js";

const form = document.getElementById("generate-form");
const promptBox = document.getElementById("prompt");
const nameBox = document.getElementById("project-name");
const model = document.getElementById("model");
const modelHint = document.getElementById("model-hint");
const button = document.getElementById("generate");
const formAlert = document.getElementById("form-alert");
const panel = document.getElementById("run-panel");
const cancelButton = document.getElementById("cancel-run");
let cost = Number(form.dataset.cost);
const fallbackBox = document.getElementById("fallback");
const view = new RunView();
const shareSwitch = new ShareSwitch(document.getElementById("share-switch"));
let stop = null;
let current = null; // {runId, projectId, prompt, name, model}
let running = false;
const estimate = new Estimate(document.getElementById("estimate"));
// Generate stays disabled while the description is over the limit (and the submit refuses it too).
const description = new PromptBox(promptBox, document.getElementById("prompt-count"), document.getElementById("prompt-error"), (box) => {
  if (!running) button.disabled = box.over;
  if (!box.over) estimate.update(promptBox.value, model.value);
});

function busy(on) {
  running = on;
  button.disabled = on || description.over;
  button.querySelector(".label").textContent = on ? t("run.generating") : button.dataset.label;
  cancelButton.hidden = !on;
}
button.dataset.label = button.querySelector(".label").textContent;

for (const chip of document.querySelectorAll(".example")) {
  chip.addEventListener("click", () => {
    promptBox.value = chip.dataset.prompt;
    description.update();
    if (!nameBox.value.trim()) nameBox.value = chip.dataset.name;
    for (const other of document.querySelectorAll(".example")) other.setAttribute("aria-pressed", String(other === chip));
    promptBox.focus();
  });
}

function showModel() {
  const chosen = model.selectedOptions[0];
  if (!chosen) return;
  modelHint.firstChild.textContent = `${chosen.dataset.hint} `;
  // What is held for a run with it; and, for a model, whether the Blueprint may take over.
  cost = Number(chosen.dataset.cost || form.dataset.cost);
  document.getElementById("cost").textContent = t("chat.credits_n", { n: cost });
  const offline = model.value === "blueprint";
  document.getElementById("fallback-field").hidden = offline;
  document.getElementById("fallback-hint").hidden = offline;
  estimate.update(description.over ? "" : promptBox.value, model.value);
}
model.addEventListener("change", showModel);
showModel();

function watch(runId, projectId) {
  if (stop) stop();
  document.getElementById("run-empty").hidden = true;
  document.getElementById("run-live").hidden = false;
  panel.dataset.runId = runId;
  panel.dataset.projectId = projectId;
  view.reset();
  shareSwitch.box.hidden = true;
  busy(true);
  stop = follow(runId, {
    onEvent: (event) => view.apply(event),
    onEnd: (event) => {
      busy(false);
      view.finish(event, { projectId, cost, onRetry: retry });
      shareSwitch.show(runId);
      settleCredits(updateBalance).catch(() => {});
    },
    onDrop: (dropped = true) => {
      if (dropped) view.status.textContent = t("run.reconnecting");
      else if (!view.steps.size) view.status.textContent = t("run.queued"); // connected, not started yet
    },
    onLost: async () => {
      busy(false);
      try {
        await api("GET", `/api/runs/${runId}`);
        view.status.textContent = t("run.reconnecting");
        setTimeout(() => watch(runId, projectId), 2000);
      } catch (err) {
        showError(formAlert, err);
      }
    },
  });
}

function updateBalance(credits) {
  document.getElementById("balance").textContent = t("chat.credits_n", { n: credits.available });
}

function retry() {
  if (current) {
    promptBox.value = current.prompt;
    nameBox.value = current.name;
    description.update();
  }
  form.scrollIntoView({ behavior: "smooth" });
  promptBox.focus();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  formAlert.hidden = true;
  // What is sent is what was counted: NFC, trimmed as the server trims.
  const { text: prompt, over } = description.update();
  if (!prompt) description.say("empty", t("chat.prompt_required"));
  if (!prompt || over) {
    promptBox.focus(); // the box says why (and, when too long, by how much)
    return;
  }
  busy(true);
  const body = { prompt, name: nameBox.value.trim(), model: model.value };
  if (model.value !== "blueprint") body.fallback = fallbackBox.checked;
  try {
    // One key per click: a double submit or a retried request never starts (or charges) twice.
    const created = await api("POST", "/api/projects", body, { "Idempotency-Key": crypto.randomUUID() });
    current = { ...body, runId: created.run.id, projectId: created.project.id };
    history.replaceState(null, "", `/chat?run=${encodeURIComponent(created.run.id)}`);
    document.getElementById("run-project").textContent = `${created.project.name} · ${prompt.slice(0, 140)}`;
    toast(t("run.started"), "ok");
    watch(created.run.id, created.project.id);
    refreshCredits().then(updateBalance).catch(() => {});
  } catch (err) {
    busy(false);
    showError(formAlert, err);
    formAlert.scrollIntoView({ block: "nearest" });
  }
});

cancelButton.addEventListener("click", async () => {
  if (!panel.dataset.runId || !window.confirm(t("run.cancel_confirm"))) return;
  cancelButton.disabled = true;
  view.status.textContent = t("run.cancelling");
  try {
    await api("POST", `/api/runs/${panel.dataset.runId}/cancel`);
  } catch (err) {
    showError(formAlert, err);
  } finally {
    cancelButton.disabled = false;
  }
});

if (panel.dataset.runId) watch(panel.dataset.runId, panel.dataset.projectId);
