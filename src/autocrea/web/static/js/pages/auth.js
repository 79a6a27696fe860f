// Log in and sign up: check the obvious locally, then show the server's verdict next to its field.
import "../lib/common.js";
import { api } from "../lib/api.js";
import { describe } from "../lib/errors.js";
import { t } from "../lib/i18n.js";

const form = document.getElementById("auth-form");
const alertBox = document.getElementById("auth-alert");
const submit = document.getElementById("auth-submit");
const register = form.dataset.mode === "register";

function fieldError(name, text) {
  const input = document.getElementById(name);
  const box = document.getElementById(`${name}-error`);
  input.setAttribute("aria-invalid", text ? "true" : "false");
  box.textContent = text || "";
  box.hidden = !text;
  if (text) input.focus();
}

function clear() {
  alertBox.hidden = true;
  fieldError("email", "");
  fieldError("password", "");
}

function localCheck(email, password) {
  if (!email) return ["email", t("err.field.email.empty")];
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return ["email", t("err.field.email.invalid")];
  if (!password) return ["password", t("err.field.password.empty")];
  if (register && password.length < 8) return ["password", t("err.field.password.too_short")];
  return null;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clear();
  const email = form.email.value.trim();
  const password = form.password.value;
  const problem = localCheck(email, password);
  if (problem) {
    fieldError(...problem);
    return;
  }
  const body = { email, password };
  if (register) body.display_name = form.display_name.value.trim();
  submit.disabled = true;
  try {
    await api("POST", register ? "/api/auth/register" : "/api/auth/login", body);
    location.assign(form.dataset.next || "/chat");
  } catch (err) {
    submit.disabled = false;
    const field = err.details && err.details.field;
    if (err.code === "invalid_input" && (field === "email" || field === "password")) {
      fieldError(field, describe(err).text);
    } else if (err.code === "unauthorized") {
      alertBox.textContent = t("auth.bad_login");
      alertBox.hidden = false;
    } else {
      alertBox.textContent = describe(err).text;
      alertBox.hidden = false;
    }
  }
});
