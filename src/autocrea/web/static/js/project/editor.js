// The code editor: CodeMirror 5 with the mode for each file type; saving commits the file with the
// commit it was opened at as `base`, so a change made meanwhile is a conflict, not a silent overwrite.
import { api } from "../lib/api.js";
import { showError } from "../lib/errors.js";
import { t } from "../lib/i18n.js";
import { toast } from "../lib/dom.js";

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

export class Editor {
  constructor({ projectId, head, onSaved }) {
    this.projectId = projectId;
    this.base = head;
    this.onSaved = onSaved;
    this.path = null;
    this.saved = "";
    this.pathLabel = document.getElementById("editor-path");
    this.dirtyMark = document.getElementById("editor-dirty");
    this.status = document.getElementById("editor-status");
    this.saveButton = document.getElementById("save-file");
    this.message = document.getElementById("commit-message");
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
    this.cm.on("change", () => this.markDirty());
    document.getElementById("save-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    window.addEventListener("beforeunload", (event) => {
      if (this.dirty()) event.preventDefault();
    });
  }

  dirty() {
    return this.path !== null && this.cm.getValue() !== this.saved;
  }

  markDirty() {
    const dirty = this.dirty();
    this.dirtyMark.hidden = !dirty;
    this.saveButton.disabled = !dirty;
  }

  async open(path) {
    if (path === this.path) return true;
    if (this.dirty() && !window.confirm(t("editor.discard"))) return false;
    this.status.textContent = t("editor.loading");
    try {
      const file = await api("GET", `/api/projects/${this.projectId}/files/${path.split("/").map(encodeURIComponent).join("/")}`);
      this.path = path;
      this.pathLabel.textContent = path;
      const binary = file.binary || file.content === null;
      this.saved = binary ? "" : file.content;
      this.cm.setOption("mode", modeFor(path));
      this.cm.setOption("readOnly", binary ? "nocursor" : false);
      this.cm.setValue(binary ? t("editor.binary") : file.content);
      this.cm.clearHistory();
      if (binary) this.saved = this.cm.getValue();
      this.status.textContent = "";
      this.markDirty();
      return true;
    } catch (err) {
      this.status.textContent = "";
      toast(showError(document.createElement("div"), err), "error");
      return false;
    }
  }

  /** A new version became HEAD (a change from the chat, an undo): an open file without unsaved edits
   * is read again at it; unsaved edits stay, and saving them is refused as a conflict (base unchanged). */
  async refresh(head) {
    if (this.dirty()) return;
    this.base = head;
    const path = this.path;
    if (path === null) return;
    this.path = null; // open() skips the file already open
    if (!(await this.open(path))) this.pathLabel.textContent = "—";
  }

  async save() {
    if (!this.dirty()) {
      this.status.textContent = t("editor.unchanged");
      return;
    }
    this.saveButton.disabled = true;
    const content = this.cm.getValue();
    try {
      const body = { content, message: this.message.value.trim(), base: this.base };
      const encoded = this.path.split("/").map(encodeURIComponent).join("/");
      const saved = await api("PUT", `/api/projects/${this.projectId}/files/${encoded}`, body);
      this.base = saved.commit;
      this.saved = content;
      this.message.value = "";
      this.markDirty();
      const short = saved.commit.slice(0, 7);
      this.status.textContent = t("editor.saved", { sha: short });
      toast(t("editor.saved", { sha: short }), "ok");
      this.onSaved(saved.commit);
    } catch (err) {
      this.saveButton.disabled = false;
      const text = err.code === "conflict" ? t("editor.conflict") : showError(document.createElement("div"), err);
      this.status.textContent = text;
      toast(text, "error", 8000);
    }
  }
}
