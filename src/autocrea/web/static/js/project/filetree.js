// The file tree: folders and files of HEAD, with a new file, a new folder, rename and delete. Each
// is one commit by the user (POST .../files, POST .../rename, DELETE .../files/{path}) made from the
// version the editor shows (`base`), so a change made meanwhile is refused, not overwritten. Names
// are drawn as text (lib/dom.js h()), never as markup.
import { api } from "../lib/api.js";
import { describe } from "../lib/errors.js";
import { h, toast } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { filePath } from "./editor.js";

const short = (sha) => String(sha || "").slice(0, 7);

function actions(path, kind) {
  return h(
    "span",
    { class: "tree-actions" },
    h("button", { type: "button", class: "tree-act", dataset: { act: "rename", kind, path }, "aria-label": t("tree.rename_short"), title: t("tree.rename", { path }) }, "✎"),
    h("button", { type: "button", class: "tree-act", dataset: { act: "delete", kind, path }, "aria-label": t("tree.delete_short"), title: t("tree.delete", { path }) }, "✕"),
  );
}

/** The tree as the server draws it (project.html's folder macro): folders first, then files. */
export function drawTree(files) {
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
  const list = (node, prefix) =>
    h(
      "ul",
      { role: "list" },
      [...node.folders.keys()].sort().map((name) =>
        h(
          "li",
          {},
          h(
            "details",
            { open: true },
            h("summary", { class: "tree-folder" }, h("span", { class: "tree-name" }, `${name}/`), actions(prefix + name, "folder")),
            list(node.folders.get(name), `${prefix}${name}/`),
          ),
        ),
      ),
      node.files
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .map(([name, path, size]) =>
          h("li", { class: "tree-row" }, h("button", { type: "button", class: "tree-file", "data-path": path, title: `${path} · ${size} B` }, name), actions(path, "file")),
        ),
    );
  return list(top, "");
}

export class FileTree {
  /** `onOpen(path)`: a file was picked; `onVersion(sha)`: an operation made `sha` HEAD. */
  constructor({ projectId, editor, onOpen, onVersion }) {
    this.projectId = projectId;
    this.base = `/api/projects/${projectId}`;
    this.editor = editor;
    this.onOpen = onOpen;
    this.onVersion = onVersion;
    this.root = document.getElementById("file-tree");
    this.form = document.getElementById("tree-form");
    this.label = document.getElementById("tree-form-label");
    this.input = document.getElementById("tree-name");
    this.error = document.getElementById("tree-error");
    this.submitButton = document.getElementById("tree-submit");
    this.mode = null; // { kind: "file" | "folder" | "rename", path, type }
    this.paths = [...this.root.querySelectorAll(".tree-file")].map((b) => b.dataset.path);
    document.getElementById("new-file").addEventListener("click", () => this.ask({ kind: "file" }));
    document.getElementById("new-folder").addEventListener("click", () => this.ask({ kind: "folder" }));
    document.getElementById("tree-cancel").addEventListener("click", () => this.done());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.done();
    });
    this.root.addEventListener("click", (event) => {
      const act = event.target.closest(".tree-act");
      if (act) {
        event.preventDefault(); // inside a folder's <summary>: do not fold it
        if (act.dataset.act === "rename") this.ask({ kind: "rename", path: act.dataset.path, type: act.dataset.kind });
        else this.remove(act.dataset.path, act.dataset.kind);
        return;
      }
      const file = event.target.closest(".tree-file");
      if (file) this.onOpen(file.dataset.path);
    });
  }

  /** Mark the open file in the tree. */
  mark(path) {
    for (const button of this.root.querySelectorAll(".tree-file")) button.setAttribute("aria-current", String(button.dataset.path === path));
  }

  /** Read HEAD's files again and draw them. */
  async reload() {
    try {
      const listed = await api("GET", `${this.base}/tree`);
      this.paths = listed.files.map((f) => f.path);
      this.root.querySelector("ul")?.replaceWith(drawTree(listed.files));
      this.mark(this.editor.path);
    } catch (err) {
      toast(describe(err).text, "error", 8000);
    }
  }

  /** Show the form for a new file or folder (in the folder of the open file), or a rename. */
  ask(mode) {
    this.mode = mode;
    this.error.hidden = true;
    if (mode.kind === "rename") {
      this.label.textContent = t("tree.rename_to", { path: mode.path });
      this.submitButton.textContent = t("tree.rename_do");
      this.input.value = mode.path;
    } else {
      this.label.textContent = t(mode.kind === "folder" ? "tree.new_folder_label" : "tree.new_file_label");
      this.submitButton.textContent = t("tree.create");
      const open = this.editor.path;
      this.input.value = open && open.includes("/") ? `${open.slice(0, open.lastIndexOf("/"))}/` : "";
    }
    this.form.hidden = false;
    this.input.focus();
    const end = this.input.value.length;
    const dot = mode.kind === "rename" && mode.type === "file" ? this.input.value.lastIndexOf(".") : -1;
    // A rename selects the name without its extension, as file managers do.
    this.input.setSelectionRange(mode.kind === "rename" ? this.input.value.lastIndexOf("/") + 1 : end, dot > this.input.value.lastIndexOf("/") ? dot : end);
  }

  done() {
    this.mode = null;
    this.form.hidden = true;
    this.error.hidden = true;
    this.input.value = "";
  }

  say(text) {
    this.error.textContent = text;
    this.error.hidden = false;
    this.input.focus();
  }

  /** An API refusal in words that name the path and what to do. */
  explain(err) {
    const details = err.details || {};
    if (err.code === "conflict" && details.reason === "exists") return t("tree.err.exists", { path: details.path });
    if (err.code === "conflict" && details.reason === "parent_is_file") return t("tree.err.parent_is_file", { parent: details.parent });
    if (err.code === "conflict" && details.head) return t("editor.conflict");
    if (err.code === "conflict") return t("tree.err.busy");
    if (err.code === "unsafe_path") return t("tree.err.unsafe", { why: String(err.message).replace(/^unsafe path .*?: /, "") });
    if (err.code === "invalid_input" && ["same", "inside_itself", "binary"].includes(details.reason)) return t(`tree.err.${details.reason}`);
    return describe(err).text;
  }

  async submit() {
    const mode = this.mode;
    if (!mode) return;
    const name = this.input.value.trim().replace(/^\/+/, "");
    if (!name || name.endsWith("/")) {
      this.say(t("tree.err.empty"));
      return;
    }
    this.submitButton.disabled = true;
    try {
      if (mode.kind === "rename") {
        const done = await api("POST", `${this.base}/rename`, { path: mode.path, to: name, base: this.editor.base });
        this.editor.renamed(mode.path, done.path, done.commit);
        toast(t("tree.renamed", { path: done.path, sha: short(done.commit) }), "ok");
        await this.finish(done.commit);
      } else {
        const body = { path: name, folder: mode.kind === "folder", base: this.editor.base };
        const done = await api("POST", `${this.base}/files`, body);
        this.editor.base = done.commit;
        toast(t("tree.created", { path: done.path, sha: short(done.commit) }), "ok");
        await this.finish(done.commit);
        if (mode.kind === "file") this.onOpen(done.path);
      }
    } catch (err) {
      this.say(this.explain(err));
    } finally {
      this.submitButton.disabled = false;
    }
  }

  async finish(sha) {
    this.done();
    await this.reload();
    this.onVersion(sha);
  }

  /** Delete a file, or a folder and its files, after asking (unsaved edits in them are named). */
  async remove(path, kind) {
    const count = this.paths.filter((p) => p.startsWith(`${path}/`)).length;
    const question = kind === "folder" ? t("tree.delete_folder_confirm", { path, n: count }) : t("tree.delete_file_confirm", { path });
    if (!window.confirm(question)) return;
    if (!this.editor.mayDrop(this.editor.openUnder(path))) return;
    try {
      const base = this.editor.base ? `?base=${encodeURIComponent(this.editor.base)}` : "";
      const done = await api("DELETE", `${this.base}/files/${filePath(path)}${base}`);
      this.editor.deleted(path, done.commit);
      toast(t("tree.deleted", { path, sha: short(done.commit) }), "ok");
      await this.finish(done.commit);
    } catch (err) {
      toast(this.explain(err), "error", 8000);
    }
  }
}
