// Admin pages: disable or enable an account, grant or take back credits with a reason. Each change
// goes through the admin API; the row's balance and state are then shown as the server has them.
import "../lib/common.js";
import { api } from "../lib/api.js";
import { showError } from "../lib/errors.js";
import { t } from "../lib/i18n.js";
import { toast } from "../lib/dom.js";

function fail(err) {
  toast(showError(document.createElement("div"), err), "error", 8000);
}

for (const row of document.querySelectorAll("#admin-users tr[data-user]")) {
  const base = `/api/admin/users/${row.dataset.user}`;
  const toggle = row.querySelector(".admin-toggle");
  toggle.addEventListener("click", async () => {
    toggle.disabled = true;
    try {
      await api("POST", `${base}/${toggle.dataset.disable === "true" ? "disable" : "enable"}`);
      toast(t("admin.toggled"), "ok");
      location.reload(); // the state badge and the button are the server's
    } catch (err) {
      toggle.disabled = false;
      fail(err);
    }
  });
  const opener = row.querySelector(".admin-credits");
  const formRow = document.getElementById(opener.getAttribute("aria-controls"));
  opener.addEventListener("click", () => {
    formRow.hidden = !formRow.hidden;
    opener.setAttribute("aria-expanded", String(!formRow.hidden));
    if (!formRow.hidden) formRow.querySelector("input").focus();
  });
  const form = formRow.querySelector(".credits-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const action = event.submitter?.value === "take_back" ? "take_back" : "grant";
    const amount = Number(form.amount.value);
    try {
      const done = await api("POST", `${base}/credits`, { action, amount, reason: form.reason.value.trim() });
      row.querySelector("[data-testid=available]").textContent = String(done.user.balance.available);
      toast(t("admin.done", { credits: done.user.balance.available }), "ok");
      form.reset();
    } catch (err) {
      fail(err);
    }
  });
}
