// A shared run's public page: its steps replayed from the public event stream (the chat's run view,
// without the owner's actions) and its files read-only, one at a time, from that run's version.
import "../lib/common.js";
import { api } from "../lib/api.js";
import { describe } from "../lib/errors.js";
import { t } from "../lib/i18n.js";
import { follow } from "../chat/stream.js";
import { RunView } from "../chat/run-view.js";

const panel = document.getElementById("run-panel");
const view = new RunView();
const ENDED = { "run.finished": "run.finished", "run.failed": "run.failed", "run.cancelled": "run.cancelled" };

follow("", {
  url: panel.dataset.eventsUrl,
  onEvent: (event) => view.apply(event),
  onEnd: (event) => {
    view.close(event);
    view.status.textContent = t(ENDED[event.type]);
  },
  onDrop: (dropped = true) => {
    if (dropped) view.status.textContent = t("run.reconnecting");
  },
  // The link was turned off (404) or the server is away: say so instead of waiting.
  onLost: () => {
    view.status.textContent = t("share.gone");
  },
});

const tree = document.getElementById("share-tree");
const shownPath = document.getElementById("share-path");
const shown = document.getElementById("share-file");

async function open(button) {
  for (const other of tree.querySelectorAll(".tree-file[aria-current]")) other.removeAttribute("aria-current");
  button.setAttribute("aria-current", "true");
  const path = button.dataset.path;
  shownPath.textContent = path;
  shown.textContent = t("share.loading");
  try {
    const file = await api("GET", tree.dataset.filesUrl + path.split("/").map(encodeURIComponent).join("/"));
    shown.textContent = file.binary ? t("share.binary") : file.content;
  } catch (err) {
    shown.textContent = describe(err).text;
  }
}

if (tree) {
  tree.addEventListener("click", (event) => {
    const button = event.target.closest(".tree-file");
    if (button) open(button);
  });
  const first = tree.querySelector('.tree-file[data-path="app/main.py"]') || tree.querySelector(".tree-file");
  if (first) open(first);
}
