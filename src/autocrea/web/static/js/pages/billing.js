// The billing pages. The overview opens Stripe's portal (plan, card, invoices). Back from Stripe:
// after a payment the credits come with Stripe's webhook, a moment later, so the page looks at the
// balance every second (for up to a minute) and says when they have arrived.
import "../lib/common.js";
import { refreshCredits } from "../lib/common.js";
import { portalButton } from "../lib/portal.js";
import { t } from "../lib/i18n.js";

const box = document.getElementById("billing-result");

async function watch() {
  const shown = document.getElementById("billing-available");
  const status = document.getElementById("billing-status");
  const start = Number(box.dataset.start);
  for (let i = 0; i < 60; i += 1) {
    const credits = await refreshCredits();
    shown.textContent = String(credits.available);
    if (credits.available > start) {
      status.textContent = t("billing.arrived", { credits: credits.available - start });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  status.textContent = t("billing.slow");
}

if (box?.dataset.outcome === "success") watch();

portalButton(document.getElementById("portal"), document.getElementById("billing-alert"));
