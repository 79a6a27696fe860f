// Buy buttons: no payment provider is configured yet, so each says so instead of pretending.
import "../lib/common.js";
import { t } from "../lib/i18n.js";
import { toast } from "../lib/dom.js";

for (const button of document.querySelectorAll("button.buy")) {
  button.addEventListener("click", () => {
    document.getElementById("pricing-alert").hidden = false;
    toast(t("pricing.not_configured"), "info");
  });
}
