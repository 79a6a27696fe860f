// Accessible tabs (arrow keys, Home/End) whose choice lives in the address hash (#preview...).
// A shown panel receives a "shown" event: htmx panels load their fragment on it.
export function setupTabs(onShow) {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  if (!tabs.length) return;

  function select(tab, { focus = false, remember = true } = {}) {
    for (const other of tabs) {
      const on = other === tab;
      other.setAttribute("aria-selected", String(on));
      other.tabIndex = on ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !on;
    }
    if (focus) tab.focus();
    if (remember) history.replaceState(null, "", `#${tab.dataset.tab}`);
    const panel = document.getElementById(tab.getAttribute("aria-controls"));
    if (window.htmx) window.htmx.trigger(panel, "shown");
    onShow(tab.dataset.tab);
  }

  for (const tab of tabs) {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const i = tabs.indexOf(tab);
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      select(tabs[(next + tabs.length) % tabs.length], { focus: true });
    });
  }
  const wanted = tabs.find((tab) => `#${tab.dataset.tab}` === location.hash) || tabs[0];
  // htmx binds its triggers when the document is ready; showing the tab in the same task as that
  // loses the first "shown" (a page opened at #history stayed empty), so show it a task later.
  const first = () => select(wanted, { remember: false });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => setTimeout(first));
  else setTimeout(first);
  return (name) => select(tabs.find((tab) => tab.dataset.tab === name));
}
