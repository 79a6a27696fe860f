// Buy and Subscribe: with payments on, a Stripe Checkout session is made for the item and the
// browser goes there; signed out, to log in first; with payments off, each button says so.
import "../lib/common.js";
import { api } from "../lib/api.js";
import { showError } from "../lib/errors.js";
import { t } from "../lib/i18n.js";
import { toast } from "../lib/dom.js";
import { portalButton } from "../lib/portal.js";

const page = document.getElementById("pricing");
const alertBox = document.getElementById("pricing-alert");

async function buy(button) {
  if (page.dataset.payments !== "on") {
    alertBox.hidden = false;
    toast(t("pricing.not_configured"), "info");
    return;
  }
  if (page.dataset.signedIn !== "yes") {
    location.assign("/login?next=/pricing");
    return;
  }
  button.disabled = true;
  try {
    const { url } = await api("POST", "/api/billing/checkout", { kind: button.dataset.kind, id: button.dataset.item });
    location.assign(url);
  } catch (err) {
    button.disabled = false;
    alertBox.hidden = false;
    alertBox.className = "alert alert-error";
    showError(alertBox, err);
  }
}

for (const button of document.querySelectorAll("button.buy")) {
  button.addEventListener("click", () => buy(button));
}

portalButton(document.getElementById("portal"), alertBox);
