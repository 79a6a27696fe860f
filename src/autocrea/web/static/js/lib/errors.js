// Turn an ApiError into words the user can act on: what happened and what to do next.
import { t } from "./i18n.js";
import { h, number } from "./dom.js";

function fieldMessage(err) {
  const { field, reason } = err.details || {};
  const key = `err.field.${field}.${reason}`;
  const text = t(key);
  return text === key ? null : text;
}

export function describe(err) {
  const details = err.details || {};
  const here = encodeURIComponent(location.pathname + location.search);
  if (err.code === "insufficient_credits") {
    return {
      text: t("err.insufficient_credits", { required: details.required, available: details.available }),
      actions: [{ href: "/pricing", label: t("action.pricing") }],
    };
  }
  if (err.code === "credit_conflict" && Number.isFinite(details.available) && Number.isFinite(details.asked)) {
    // An administrator's take-back of more than is available (billing/clawback.py): nothing changed.
    return { text: t("err.take_back", { available: details.available, asked: details.asked }), actions: [] };
  }
  if (err.code === "rate_limited") return { text: t("err.rate_limited", { seconds: err.retryAfter || 60 }), actions: [] };
  if (err.code === "unauthorized") {
    return { text: t("err.unauthorized"), actions: [{ href: `/login?next=${here}`, label: t("action.login") }] };
  }
  if (err.code === "forbidden" && details.reason === "account_disabled") return { text: t("err.account_disabled"), actions: [] };
  if (err.code === "forbidden") return { text: t("err.forbidden"), actions: [{ reload: true, label: t("action.reload") }] };
  if (err.code === "network") return { text: t("err.network"), actions: [] };
  if (err.code === "prompt_too_long" && Number.isFinite(details.length) && Number.isFinite(details.limit)) {
    // The API's own sentence (domain/prompt.py) in the page's language and number format.
    return { text: t("err.prompt_too_long", { length: number(details.length), limit: number(details.limit) }), actions: [] };
  }
  if (err.code === "prompt_rejected") return { text: t("err.prompt_rejected", { message: err.message }), actions: [] };
  if (err.code.startsWith("provider")) {
    return { text: t("err.provider", { message: err.message }), actions: [{ href: "/settings#keys", label: t("action.settings") }] };
  }
  if (err.code === "not_found") return { text: t("err.not_found"), actions: [] };
  if (err.code === "conflict") return { text: t("err.conflict", { message: err.message }), actions: [{ reload: true, label: t("action.reload") }] };
  if (err.code === "too_large") return { text: t("err.too_large", { message: err.message }), actions: [] };
  return { text: fieldMessage(err) || t("err.generic", { message: err.message }), actions: [] };
}

/** Show `err` in an alert box (role=alert) with its next-step links. */
export function showError(box, err) {
  const { text, actions } = describe(err);
  box.replaceChildren(h("p", { class: "alert-text" }, text));
  if (actions.length) {
    box.append(
      h("div", { class: "actions" }, ...actions.map((a) =>
        a.reload
          ? h("button", { type: "button", class: "btn btn-ghost btn-small", onclick: () => location.reload() }, a.label)
          : h("a", { class: "btn btn-ghost btn-small", href: a.href }, a.label))),
    );
  }
  box.hidden = false;
  return text;
}
