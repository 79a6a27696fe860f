// What every page does: log out, localise times (also in htmx fragments), keep the balance fresh.
import { api } from "./api.js";
import { localizeTimes, toast } from "./dom.js";
import { describe } from "./errors.js";

export async function refreshCredits() {
  const me = await api("GET", "/api/auth/me");
  const available = String(me.credits.available);
  for (const el of document.querySelectorAll("#credits-available")) el.textContent = available;
  return me.credits;
}

/** After a run ends: the server closes its credit hold just after the last event, so look again
 * until the reserved amount drops (or a few seconds pass). */
export async function settleCredits(onChange) {
  let credits = await refreshCredits();
  onChange(credits);
  const held = credits.held;
  for (let i = 0; held > 0 && credits.held >= held && i < 10; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    credits = await refreshCredits();
    onChange(credits);
  }
}

document.getElementById("logout")?.addEventListener("click", async () => {
  try {
    await api("POST", "/api/auth/logout");
  } finally {
    location.assign("/");
  }
});

localizeTimes();
document.body.addEventListener("htmx:afterSwap", (event) => localizeTimes(event.detail.target));
document.body.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr ? event.detail.xhr.status : 0;
  toast(describe({ code: status === 404 ? "not_found" : "generic", message: `HTTP ${status}`, details: {} }).text, "error");
});
document.body.addEventListener("htmx:sendError", () => toast(describe({ code: "network", details: {} }).text, "error"));
