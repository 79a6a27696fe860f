// The code editor: CodeMirror 5 with one document per open file, shown as tabs. Each tab keeps its
// own unsaved edits (switching tabs loses nothing); closing a tab with edits, a rename or delete
// that would drop them, and leaving the page all ask first. Saving (the button, Ctrl/Cmd+S) commits
// the file with the commit the editor shows as `base`, so a change made meanwhile is a conflict,
// not a silent overwrite.
import { api } from "../lib/api.js";
import { showError } from "../lib/errors.js";
import { t } from "../lib/i18n.js";
import { h, toast } from "../lib/dom.js";

const MODES = [
  [/(^|\/)Dockerfile$/, "dockerfile"],
  [/\.py$/, "python"],
  [/\.(js|mjs)$/, "javascript"],
  [/\.json$/, { name: "javascript", json: true }],
  [/\.(html|j2|jinja)$/, "htmlmixed"],
  [/\.css$/, "css"],
  [/\.ya?ml$/, "yaml"],
  [/\.md$/, "markdown"],
  [/\.(xml|svg)$/, "xml"],
  [/\.(sh|bash)$/, "shell"],
];

export function modeFor(path) {
  const found = MODES.find(([pattern]) => pattern.test(path));
  return found ? found[1] : null;
}

export const filePath = (path) => path.split("/").map(encodeURIComponent).join("/");
const inside = (path, folder) => path === folder || path.startsWith(`${folder}/`);

export class Editor {
  /** `onSaved(sha)`: a save made `sha` HEAD; `onOpen(path)`: the shown file changed (null: none). */
  constructor({ projectId, head, onSaved, onOpen = () => {} }) {
    this.projectId = projectId;
    this.base = head;
    this.onSaved = onSaved;
    this.onOpen = onOpen;
    this.files = new Map(); // path -> { doc, saved, binary, tab }
    this.path = null;
    this.saving = false;
    this.pathLabel = document.getElementById("editor-path");
    this.dirtyMark = document.getElementById("editor-dirty");
    this.status = document.getElementById("editor-status");
    this.saveButton = document.getElementById("save-file");
    this.message = document.getElementById("commit-message");
    this.tabs = document.getElementById("file-tabs");
    this.cm = window.CodeMirror.fromTextArea(document.getElementById("editor"), {
      theme: "autocrea",
      lineNumbers: true,
      indentUnit: 4,
      tabSize: 4,
      indentWithTabs: false,
      matchBrackets: true,
      autoCloseBrackets: true,
      styleActiveLine: true,
      readOnly: "nocursor",
      screenReaderLabel: t("editor.label"),
      extraKeys: {
        "Ctrl-S": () => this.save(),
        "Cmd-S": () => this.save(),
        Tab: (cm) => cm.execCommand(cm.somethingSelected() ? "indentMore" : "insertSoftTab"),
        "Shift-Tab": "indentLess",
        Esc: () => this.saveButton.focus(), // a way out of the editor for keyboard users
      },
    });
    this.empty = this.cm.getDoc(); // what shows while no file is open
    this.empty.setValue(t("editor.none"));
    this.cm.on("change", () => this.markDirty());
    document.getElementById("save-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    // Ctrl/Cmd+S anywhere in the code panel (the commit message too) saves instead of the browser's
    // "save page".
    document.getElementById("panel-code").addEventListener("keydown", (event) => {
      if (event.defaultPrevented) return; // CodeMirror's own Ctrl-S already saved
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
        event.preventDefault();
        this.save();
      }
    });
    window.addEventListener("beforeunload", (event) => {
      if (this.dirtyPaths().length) {
        event.preventDefault();
        event.returnValue = ""; // older browsers ask only with a returnValue
      }
    });
  }

  dirty(path = this.path) {
    const file = path === null ? null : this.files.get(path);
    return Boolean(file && !file.binary && file.doc.getValue() !== file.saved);
  }

  dirtyPaths() {
    return [...this.files.keys()].filter((path) => this.dirty(path));
  }

  /** Ask before dropping the unsaved edits of `paths`; true when there are none or the user agrees. */
  mayDrop(paths, key = "editor.leave_unsaved") {
    const dirty = paths.filter((path) => this.dirty(path));
    return !dirty.length || window.confirm(t(key, { path: dirty.join(", ") }));
  }

  markDirty() {
    const dirty = this.dirty();
    this.dirtyMark.hidden = !dirty;
    this.saveButton.disabled = !dirty;
    for (const [path, file] of this.files) {
      file.tab.classList.toggle("is-dirty", this.dirty(path));
      file.tab.querySelector(".tab-dirty").hidden = !this.dirty(path);
    }
  }

  /** Open `path` in a tab of its own (or show its tab); false when it could not be read. */
  async open(path) {
    if (this.files.has(path)) {
      this.show(path);
      return true;
    }
    this.status.textContent = t("editor.loading");
    try {
      const file = await api("GET", `/api/projects/${this.projectId}/files/${filePath(path)}`);
      const binary = file.binary || file.content === null;
      const doc = window.CodeMirror.Doc(binary ? t("editor.binary") : file.content, modeFor(path));
      this.files.set(path, { doc, saved: binary ? doc.getValue() : file.content, binary, tab: this.tab(path) });
      this.status.textContent = "";
      this.show(path);
      return true;
    } catch (err) {
      this.status.textContent = "";
      toast(showError(document.createElement("div"), err), "error");
      return false;
    }
  }

  tab(path) {
    const name = path.split("/").pop();
    const item = h(
      "li",
      { class: "file-tab", dataset: { path }, title: path },
      h(
        "button",
        { type: "button", class: "file-tab-open", onclick: () => this.show(path) },
        name,
        h("span", { class: "tab-dirty", hidden: true, title: t("editor.unsaved_tab") }, " ●", h("span", { class: "sr-only" }, ` ${t("editor.unsaved_tab")}`)),
      ),
      h("button", { type: "button", class: "file-tab-close", "aria-label": t("editor.close", { path }), title: t("editor.close", { path }), onclick: () => this.close(path) }, "×"),
    );
    this.tabs.append(item);
    return item;
  }

  /** Show an open file's tab; its document keeps its edits and its undo history. */
  show(path) {
    const file = this.files.get(path);
    if (!file) return;
    if (path !== this.path) this.status.textContent = ""; // a message about the file shown before
    this.path = path;
    this.cm.swapDoc(file.doc);
    this.cm.setOption("mode", file.binary ? null : modeFor(path)); // a renamed file may change type
    this.cm.setOption("readOnly", file.binary ? "nocursor" : false);
    this.pathLabel.textContent = path;
    for (const [other, { tab }] of this.files) {
      tab.classList.toggle("is-active", other === path);
      tab.querySelector(".file-tab-open").setAttribute("aria-current", String(other === path));
    }
    this.markDirty();
    this.cm.refresh();
    this.onOpen(path);
  }

  /** Close a tab; asks first when it has unsaved edits. */
  close(path, { ask = true } = {}) {
    const file = this.files.get(path);
    if (!file) return true;
    if (ask && !this.mayDrop([path], "editor.close_unsaved")) return false;
    const order = [...this.files.keys()];
    file.tab.remove();
    this.files.delete(path);
    if (this.path === path) {
      const next = order[order.indexOf(path) + 1] || order[order.indexOf(path) - 1];
      if (next && this.files.has(next)) this.show(next);
      else this.clear();
    }
    return true;
  }

  clear() {
    this.path = null;
    this.cm.swapDoc(this.empty);
    this.cm.setOption("readOnly", "nocursor");
    this.pathLabel.textContent = "—";
    this.markDirty();
    this.onOpen(null);
  }

  /** The open files under `path` (a file, or a folder's files). */
  openUnder(path) {
    return [...this.files.keys()].filter((open) => inside(open, path));
  }

  /** A file or folder was renamed on the server (at commit `sha`): its open tabs follow, edits kept. */
  renamed(from, to, sha) {
    this.base = sha;
    let shown = this.path;
    for (const path of this.openUnder(from)) {
      const file = this.files.get(path);
      const next = to + path.slice(from.length);
      const tab = this.tab(next);
      file.tab.replaceWith(tab); // the same place in the row
      file.tab = tab;
      this.files.delete(path);
      this.files.set(next, file);
      if (shown === path) shown = next;
    }
    if (shown) this.show(shown);
  }

  /** A file or folder was deleted on the server (at commit `sha`): its tabs close without asking
   * (the caller asked before deleting). */
  deleted(path, sha) {
    this.base = sha;
    for (const open of this.openUnder(path)) this.close(open, { ask: false });
  }

  /** A new version became HEAD (a change from the chat, an undo, a verify's security report): open
   * files without unsaved edits are read again at it; unsaved edits stay, and saving them is refused
   * as a conflict (their base is unchanged), so nothing of the new version is overwritten unseen. */
  async refresh(head) {
    const clean = [...this.files.keys()].filter((path) => !this.dirty(path));
    if (!this.dirtyPaths().length) this.base = head;
    const shown = this.path;
    for (const path of clean) {
      const file = this.files.get(path);
      try {
        const fresh = await api("GET", `/api/projects/${this.projectId}/files/${filePath(path)}`);
        if (fresh.binary || fresh.content === null || fresh.content === file.saved) continue;
        file.saved = fresh.content;
        file.doc.setValue(fresh.content);
        file.doc.clearHistory();
      } catch (err) {
        if (err.status === 404) this.close(path, { ask: false }); // gone in the new version
        else toast(showError(document.createElement("div"), err), "error");
      }
    }
    if (shown && this.files.has(shown)) this.show(shown);
    this.markDirty();
  }

  async save() {
    if (this.saving) return; // one save at a time: a second one would be a conflict with the first
    if (!this.dirty()) {
      this.status.textContent = t("editor.unchanged");
      return;
    }
    this.saving = true;
    this.saveButton.disabled = true;
    const path = this.path;
    const file = this.files.get(path);
    const content = file.doc.getValue();
    try {
      const body = { content, message: this.message.value.trim(), base: this.base };
      const saved = await api("PUT", `/api/projects/${this.projectId}/files/${filePath(path)}`, body);
      this.base = saved.commit;
      file.saved = content;
      this.message.value = "";
      this.markDirty();
      const short = saved.commit.slice(0, 7);
      this.status.textContent = t("editor.saved", { sha: short });
      toast(t("editor.saved", { sha: short }), "ok");
      this.onSaved(saved.commit);
    } catch (err) {
      this.saveButton.disabled = false;
      const text = err.code === "conflict" && err.details && err.details.head ? t("editor.conflict") : showError(document.createElement("div"), err);
      this.status.textContent = text;
      toast(text, "error", 8000);
    } finally {
      this.saving = false;
    }
  }
}
