// Stripe's Customer Portal (plan, card, invoices): the button that opens it on pricing and billing.
import { api } from "./api.js";
import { showError } from "./errors.js";

/** Send the browser to the portal when `button` is clicked; a refusal is shown in `alertBox`. */
export function portalButton(button, alertBox) {
  button?.addEventListener("click", async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      const { url } = await api("POST", "/api/billing/portal");
      location.assign(url);
    } catch (err) {
      alertBox.hidden = false;
      showError(alertBox, err);
      button.disabled = false;
    }
  });
}
