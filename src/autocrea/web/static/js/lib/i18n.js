// The page's strings (sent by the server in <body data-strings>) and {placeholder} filling.
const table = JSON.parse(document.body.dataset.strings || "{}");
export const lang = document.body.dataset.lang || "es";

export function t(key, values = {}) {
  if (values.n === 1 && Object.hasOwn(table, `${key}.one`)) key = `${key}.one`; // singular form
  const text = Object.hasOwn(table, key) ? table[key] : key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}
