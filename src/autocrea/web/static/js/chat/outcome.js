// What a run with a model came to, in the page's language: built offline because the chosen model
// failed (and why), or stopped because its configuration is wrong (which setting to fix). The server
// sends codes and facts beside its English text; a code this page cannot word keeps that text.
import { t } from "../lib/i18n.js";

// One reason a model was dropped (run_model.py's DropReason).
export function why(reason) {
  const wording = t(`why.${reason}`);
  return wording.startsWith("why.") ? String(reason || "") : wording;
}

// A step log line's params, worded: a drop's reason code becomes its words.
export function logParams(params) {
  return params.why ? { ...params, why: why(params.why) } : params;
}

// "built offline: <model> failed (<reason>)" when the Blueprint built a run whose model failed.
export function builtOffline(model) {
  if (!model || !model.fell_back) return "";
  return t("built.offline", { model: model.chosen, why: why(model.failed && model.failed.reason) });
}

// The same words opening a sentence ("Built offline: …").
export function sentence(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

// A failed run's reason from its code and details (run.failed: code, details), or "".
export function failureText(code, details = {}) {
  if (code === "model_failed") return t("fail.model_failed", { model: details.model, why: why(details.reason) });
  if (!String(code || "").startsWith("provider_") || !details.failure) return "";
  const kind = details.compatible ? `${details.provider}_compatible` : details.provider;
  const named = t(`provider.${kind}`);
  const wording = t(`fail.${details.failure}`, {
    provider: named.startsWith("provider.") ? details.title || details.provider : named,
    setting: details.own_key ? t("setting.own_keys") : details.setting || "",
    model: details.model || "",
    where: details.where || "",
    http: details.status ? ` (HTTP ${details.status})` : "",
  });
  return wording.startsWith("fail.") ? "" : wording;
}
