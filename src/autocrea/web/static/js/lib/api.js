// Calls to AUTOCREA's JSON API with the session cookie and the CSRF header; errors become ApiError
// carrying the API's {code, message, details} (and Retry-After for 429).
export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || (status === 0 ? "network" : "http_error");
    this.details = error.details || {};
    this.retryAfter = retryAfter ? Number(retryAfter) : null;
  }
}

export async function api(method, url, body, headers = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
  if (method !== "GET") init.headers["X-CSRF-Token"] = document.body.dataset.csrf || "";
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    throw new ApiError(0, { error: { code: "network", message: String(err) } }, null);
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data, response.headers.get("Retry-After"));
  return data;
}
