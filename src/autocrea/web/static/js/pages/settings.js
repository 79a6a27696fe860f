// Settings: profile, language, own model keys (write-only: the page shows only their masked hint),
// API tokens (the secret is shown once).
import "../lib/common.js";
import { api } from "../lib/api.js";
import { showError } from "../lib/errors.js";
import { t } from "../lib/i18n.js";
import { h, toast } from "../lib/dom.js";

function fail(err) {
  toast(showError(document.createElement("div"), err), "error", 8000);
}

document.getElementById("profile-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("PATCH", "/api/auth/me", { display_name: event.target.display_name.value.trim() });
    toast(t("settings.saved"), "ok");
  } catch (err) {
    fail(err);
  }
});

document.getElementById("settings-lang").addEventListener("change", (event) => {
  const url = new URL(location.href);
  url.searchParams.set("lang", event.target.value); // the server remembers it in a cookie
  location.assign(url);
});

for (const form of document.querySelectorAll(".key-form")) {
  const provider = form.dataset.provider;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { key: form.key.value.trim() };
    if (form.base_url.value.trim()) body.base_url = form.base_url.value.trim();
    try {
      await api("PUT", `/api/keys/${provider}`, body);
      toast(t("key.saved"), "ok");
      location.reload();
    } catch (err) {
      fail(err);
    }
  });
  form.querySelector(".key-delete")?.addEventListener("click", async () => {
    try {
      await api("DELETE", `/api/keys/${provider}`);
      toast(t("key.deleted"), "ok");
      location.reload();
    } catch (err) {
      fail(err);
    }
  });
}

document.getElementById("token-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const created = await api("POST", "/api/tokens", { name: event.target.name.value.trim() });
    document.getElementById("new-token-value").textContent = created.token;
    document.getElementById("new-token").hidden = false;
    document.getElementById("no-tokens")?.remove();
    document.querySelector("#token-table tbody").append(
      h("tr", {}, h("td", {}, created.name), h("td", { class: "mono" }, `${created.prefix}…`),
        h("td", {}, h("span", { class: "muted" }, t("settings.never"))), h("td", {})),
    );
    event.target.reset();
  } catch (err) {
    fail(err);
  }
});

document.getElementById("copy-token").addEventListener("click", async () => {
  await navigator.clipboard.writeText(document.getElementById("new-token-value").textContent);
  toast(t("copied"), "ok");
});

for (const button of document.querySelectorAll(".token-revoke")) {
  button.addEventListener("click", async () => {
    if (!window.confirm(t("token.revoke_confirm"))) return;
    try {
      await api("DELETE", `/api/tokens/${button.dataset.id}`);
      button.closest("tr").remove();
    } catch (err) {
      fail(err);
    }
  });
}
