// The project page: the conversation (changes, undo) beside file tree + editor (tabs; new, renamed
// and deleted files), preview, history (htmx fragment; restore here) and evidence (with Verify). A
// new version from the chat refreshes them all; the user's own edits make the evidence stale.
import "../lib/common.js";
import { api } from "../lib/api.js";
import { showError } from "../lib/errors.js";
import { t } from "../lib/i18n.js";
import { toast } from "../lib/dom.js";
import { ChangeChat } from "../project/changes.js";
import { Editor } from "../project/editor.js";
import { FileTree } from "../project/filetree.js";
import { Preview } from "../project/preview.js";
import { Pusher } from "../project/push.js";
import { setupTabs } from "../project/tabs.js";
import { Verifier } from "../project/verify.js";

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

const deleteButton = document.getElementById("delete-project");
deleteButton.addEventListener("click", async () => {
  if (!window.confirm(t("project.delete_confirm"))) return;
  try {
    await api("DELETE", `/api/projects/${projectId}`);
    location.assign("/projects");
  } catch (err) {
    fail(err);
  }
});
deleteButton.disabled = false;

if (root.dataset.head) {
  // CodeMirror and its modes are classic deferred scripts: they have run before this module.
  let tree = null;
  let verifier = null;
  let chat = null;
  const preview = new Preview(projectId);

  /** A commit of the user's own (a save, a new, renamed or deleted file): the header follows it, the
   * evidence becomes an older version's, and a running preview restarts at it on the server. */
  function edited(sha) {
    setHead(sha);
    verifier?.load();
    preview.follow(sha);
  }

  const editor = new Editor({
    projectId,
    head: root.dataset.head,
    onSaved: edited,
    onOpen: (path) => tree?.mark(path),
  });
  tree = new FileTree({ projectId, editor, onOpen: (path) => editor.open(path), onVersion: edited });

  const showTab = setupTabs((tab) => {
    if (tab === "code") editor.cm.refresh(); // CodeMirror measures itself wrong while hidden
    if (tab === "preview") preview.check(root.dataset.previewRunning === "true");
  });
  if (root.dataset.firstFile) editor.open(root.dataset.firstFile);

  const history = document.getElementById("panel-history");
  history.addEventListener("click", async (event) => {
    const button = event.target.closest("button.restore");
    if (!button || !window.confirm(t("history.restore_confirm", { sha: button.dataset.sha.slice(0, 7) }))) return;
    // The page is read again after a restore: unsaved edits would go with it.
    if (!editor.mayDrop(editor.dirtyPaths())) return;
    try {
      const restored = await api("POST", `/api/projects/${projectId}/restore`, { commit: button.dataset.sha });
      toast(t("history.restored", { sha: restored.commit.slice(0, 7) }), "ok");
      for (const path of editor.dirtyPaths()) editor.close(path, { ask: false }); // already asked
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

  /** A change, an undo or a verify's security report made `sha` HEAD: the editor, the tree, the
   * verification and a running preview follow it. */
  async function newVersion(sha) {
    setHead(sha);
    await editor.refresh(sha);
    await tree.reload();
    verifier?.load();
    if (!history.hidden && window.htmx) window.htmx.trigger(history, "shown");
    preview.follow(sha); // the server restarts a running preview at the new version
  }

  chat = new ChangeChat({ projectId, onVersion: newVersion, onDiff: showDiff });
  verifier = new Verifier({ projectId, root, onEnd: () => chat.load(), onVersion: newVersion });
  new Pusher({ projectId });
}
