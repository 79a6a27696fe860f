// The project page: file tree + editor, preview, history (htmx fragment; restore here), evidence.
import "../lib/common.js";
import { api } from "../lib/api.js";
import { showError } from "../lib/errors.js";
import { t } from "../lib/i18n.js";
import { toast } from "../lib/dom.js";
import { Editor } from "../project/editor.js";
import { Preview } from "../project/preview.js";
import { setupTabs } from "../project/tabs.js";

const root = document.getElementById("project");
const projectId = root.dataset.projectId;

function fail(err) {
  toast(showError(document.createElement("div"), err), "error", 8000);
}

function setHead(sha) {
  root.dataset.head = sha;
  const label = document.getElementById("head-sha");
  if (label) label.textContent = sha.slice(0, 7);
}

document.getElementById("delete-project").addEventListener("click", async () => {
  if (!window.confirm(t("project.delete_confirm"))) return;
  try {
    await api("DELETE", `/api/projects/${projectId}`);
    location.assign("/projects");
  } catch (err) {
    fail(err);
  }
});

if (root.dataset.head) {
  // CodeMirror and its modes are classic deferred scripts: they have run before this module.
  const editor = new Editor({ projectId, head: root.dataset.head, onSaved: setHead });
  const preview = new Preview(projectId);
  const fileButtons = [...document.querySelectorAll(".tree-file")];

  async function openFile(path) {
    if (await editor.open(path)) {
      for (const button of fileButtons) button.setAttribute("aria-current", String(button.dataset.path === path));
    }
  }
  for (const button of fileButtons) button.addEventListener("click", () => openFile(button.dataset.path));

  setupTabs((tab) => {
    if (tab === "code") editor.cm.refresh(); // CodeMirror measures itself wrong while hidden
    if (tab === "preview") preview.check(root.dataset.previewRunning === "true");
  });
  if (root.dataset.firstFile) openFile(root.dataset.firstFile);

  document.getElementById("panel-history").addEventListener("click", async (event) => {
    const button = event.target.closest("button.restore");
    if (!button || !window.confirm(t("history.restore_confirm", { sha: button.dataset.sha.slice(0, 7) }))) return;
    try {
      const restored = await api("POST", `/api/projects/${projectId}/restore`, { commit: button.dataset.sha });
      toast(t("history.restored", { sha: restored.commit.slice(0, 7) }), "ok");
      location.hash = "history";
      location.reload(); // every file may have changed: show the tree and editor afresh
    } catch (err) {
      fail(err);
    }
  });
}
