// The project page: the conversation (changes, undo) beside file tree + editor, preview, history
// (htmx fragment; restore here) and evidence. A new version from the chat refreshes them all.
import "../lib/common.js";
import { api } from "../lib/api.js";
import { showError } from "../lib/errors.js";
import { t } from "../lib/i18n.js";
import { h, toast } from "../lib/dom.js";
import { ChangeChat } from "../project/changes.js";
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

/** The file tree as the server draws it (project.html's folder macro): folders first, then files. */
function drawTree(files) {
  const top = { folders: new Map(), files: [] };
  for (const file of files) {
    const parts = file.path.split("/");
    let node = top;
    for (const name of parts.slice(0, -1)) {
      if (!node.folders.has(name)) node.folders.set(name, { folders: new Map(), files: [] });
      node = node.folders.get(name);
    }
    node.files.push([parts[parts.length - 1], file.path, file.size]);
  }
  const list = (node) =>
    h(
      "ul",
      { role: "list" },
      [...node.folders.keys()].sort().map((name) =>
        h("li", {}, h("details", { open: true }, h("summary", { class: "tree-folder" }, `${name}/`), list(node.folders.get(name)))),
      ),
      node.files
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .map(([name, path, size]) => h("li", {}, h("button", { type: "button", class: "tree-file", "data-path": path, title: `${path} · ${size} B` }, name))),
    );
  return list(top);
}

if (root.dataset.head) {
  // CodeMirror and its modes are classic deferred scripts: they have run before this module.
  const editor = new Editor({ projectId, head: root.dataset.head, onSaved: setHead });
  const preview = new Preview(projectId);
  const tree = document.getElementById("file-tree");

  async function openFile(path) {
    if (await editor.open(path)) {
      for (const button of tree.querySelectorAll(".tree-file")) button.setAttribute("aria-current", String(button.dataset.path === path));
    }
  }
  tree.addEventListener("click", (event) => {
    const button = event.target.closest(".tree-file");
    if (button) openFile(button.dataset.path);
  });

  const showTab = setupTabs((tab) => {
    if (tab === "code") editor.cm.refresh(); // CodeMirror measures itself wrong while hidden
    if (tab === "preview") preview.check(root.dataset.previewRunning === "true");
  });
  if (root.dataset.firstFile) openFile(root.dataset.firstFile);

  const history = document.getElementById("panel-history");
  history.addEventListener("click", async (event) => {
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

  /** A commit's differences in the History tab (its list loads first, then the diff beside it). */
  function showDiff(sha) {
    history.addEventListener(
      "htmx:afterSettle",
      () => window.htmx.ajax("GET", `/projects/${projectId}/part/diff?sha=${encodeURIComponent(sha)}`, { target: "#diff-view", swap: "innerHTML" }),
      { once: true },
    );
    showTab("history");
  }

  /** A change or an undo made `sha` HEAD: the editor, the tree and a running preview follow it. */
  async function newVersion(sha) {
    setHead(sha);
    await editor.refresh(sha);
    try {
      const listed = await api("GET", `/api/projects/${projectId}/tree`);
      tree.querySelector("ul")?.replaceWith(drawTree(listed.files));
      if (editor.path) for (const button of tree.querySelectorAll(".tree-file")) button.setAttribute("aria-current", String(button.dataset.path === editor.path));
    } catch (err) {
      fail(err);
    }
    if (!history.hidden && window.htmx) window.htmx.trigger(history, "shown");
    preview.follow(sha); // the server restarts a running preview at the new version
  }

  new ChangeChat({ projectId, onVersion: newVersion, onDiff: showDiff });
}
