// The editor's code editor: CodeMirror 6 over each `textarea[data-code-editor]`.
//
// The textarea stays in the form and keeps the text: every change is written back to it
// and announced with an "input" event, so saving, the htmx preview and the unsaved-changes
// warning work exactly as they do without JavaScript (skillhub.js). Problems from the
// server's preview (the `.problem-line` buttons in #preview-output) become CodeMirror
// diagnostics: a gutter marker and an underline at their line and column.
//
// Strict CSP: CodeMirror's styles go in through constructable stylesheets, or a <style>
// with the page's nonce (`<meta name="csp-nonce">`) where those are missing.

import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { javascript } from "@codemirror/lang-javascript";
import { json } from "@codemirror/lang-json";
import { markdown } from "@codemirror/lang-markdown";
import { python } from "@codemirror/lang-python";
import { yaml, yamlFrontmatter } from "@codemirror/lang-yaml";
import {
  bracketMatching,
  foldGutter,
  foldKeymap,
  indentOnInput,
  StreamLanguage,
  syntaxHighlighting,
} from "@codemirror/language";
import { shell } from "@codemirror/legacy-modes/mode/shell";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
import { acceptChunk, diff, getChunks, getOriginalDoc, unifiedMergeView } from "@codemirror/merge";
import { classHighlighter } from "@lezer/highlight";
import { highlightSelectionMatches, search, searchKeymap } from "@codemirror/search";
import { Compartment, EditorSelection, EditorState, StateEffect } from "@codemirror/state";
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from "@codemirror/view";

const WRAP_KEY = "skillhub.editor.wrap";

function languageFor(path) {
  const name = (path || "").toLowerCase();
  if (name === "" || name.endsWith(".md") || name.endsWith(".markdown")) {
    return yamlFrontmatter({ content: markdown() });
  }
  if (name.endsWith(".py")) return python();
  if (/\.(m?js|cjs|ts|tsx|jsx)$/.test(name)) return javascript({ typescript: /\.tsx?$/.test(name) });
  if (name.endsWith(".json")) return json();
  if (name.endsWith(".yaml") || name.endsWith(".yml")) return yaml();
  if (name.endsWith(".sh") || name.endsWith(".bash")) return StreamLanguage.define(shell);
  return [];
}

function wrapWanted() {
  try {
    return window.localStorage.getItem(WRAP_KEY) !== "off";
  } catch {
    return true;
  }
}

function rememberWrap(on) {
  try {
    window.localStorage.setItem(WRAP_KEY, on ? "on" : "off");
  } catch {
    // Private windows may refuse storage: the toggle still works for this page.
  }
}

// The position of line `line`, column `column` (both from 1; column 0 or missing: the
// line's first non-blank character), clamped to the document.
export function positionOf(doc, line, column) {
  const target = doc.line(Math.max(1, Math.min(line || 1, doc.lines)));
  if (!column) return target.from + (/^\s*/.exec(target.text)[0].length);
  // The server counts columns in characters (code points), CodeMirror in UTF-16 units.
  let offset = 0;
  for (let seen = 1; seen < column && offset < target.text.length; seen++) {
    offset += target.text.codePointAt(offset) > 0xffff ? 2 : 1;
  }
  return Math.min(target.from + offset, target.to);
}

// What a problem underlines: from its column to the end of the word there (a whole line
// for a problem without a column), at least one character where the line has one.
function rangeOf(doc, line, column) {
  const from = positionOf(doc, line, column);
  const target = doc.lineAt(from);
  if (!column) return { from: target.from, to: target.to };
  const rest = target.text.slice(from - target.from);
  const word = /^[^\s,\]}]+/.exec(rest);
  return { from, to: Math.min(target.to, from + (word ? word[0].length : 1)) };
}

const SEVERITIES = { error: "error", warning: "warning", info: "info" };

// A quick fix from the server (catalog/skillfile/fixes.py): lines `line` to `end` (both
// from 1; end = line - 1 inserts before `line`) become `text`.
function fixOf(item) {
  if (!item.dataset.fixLabel) return null;
  return {
    label: item.dataset.fixLabel,
    line: parseInt(item.dataset.fixLine, 10),
    end: parseInt(item.dataset.fixEnd, 10),
    text: item.dataset.fixText,
    old: item.dataset.fixOld || "",
  };
}

// Whether the fix was made: not when its lines no longer hold what the server saw (the
// text changed since that preview; the next one brings fresh fixes).
function applyFix(view, fix) {
  // As catalog.skillfile.applied does it, line for line; then made as the changes alone.
  const lines = view.state.doc.toString().split(/(?<=\n)/).filter(Boolean);
  if (lines.slice(fix.line - 1, fix.end).join("") !== fix.old) return false;
  const last = lines.length - 1;
  if (last >= 0 && !lines[last].endsWith("\n") && fix.end > last) lines[last] += "\n";
  const text = lines.slice(0, fix.line - 1).join("") + fix.text + lines.slice(fix.end).join("");
  replaceKeepingPlace(view, text);
  view.focus();
  return true;
}

// The problems the server's preview lists, as diagnostics of `view`'s document.
function diagnosticsFrom(output, view) {
  const doc = view.state.doc;
  return Array.from(output.querySelectorAll(".problem")).map(function (item) {
    const button = item.querySelector(".problem-line");
    const line = parseInt(button.dataset.line, 10) || 1;
    const column = parseInt(button.dataset.column, 10) || 0;
    const message = item.querySelector(".problem-message");
    const code = item.querySelector(".problem-code");
    const fix = fixOf(item);
    return {
      ...rangeOf(doc, line, column),
      severity: SEVERITIES[item.dataset.severity] || "info",
      message: message ? message.textContent : "",
      source: code ? code.textContent : undefined,
      actions: fix
        ? [{ name: fix.label, apply: function (target) { applyFix(target, fix); } }] // prettier-ignore
        : [],
    };
  });
}

// A "Fix" button beside each problem that has a quick fix, in the list too.
function addFixButtons(output, view) {
  output.querySelectorAll(".problem[data-fix-label]").forEach(function (item) {
    if (item.querySelector(".problem-fix")) return;
    const fix = fixOf(item);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "problem-fix";
    button.textContent = fix.label;
    button.addEventListener("click", function () {
      applyFix(view, fix);
    });
    item.append(button);
  });
}

// -- completion: the frontmatter's fields, tools and models -----------------------

function vocabulary() {
  const data = document.getElementById("skill-vocabulary");
  return data ? JSON.parse(data.textContent) : null;
}

// The line of the frontmatter's closing `---`: 0 without frontmatter, past the end if
// it is not closed yet.
function frontmatterEnd(doc) {
  if (doc.line(1).text.trim() !== "---") return 0;
  for (let number = 2; number <= doc.lines; number++) {
    if (doc.line(number).text.trim() === "---") return number;
  }
  return doc.lines + 1;
}

// The Bash(…) rules the body's shell lines need, as the server's quick fixes say them.
function shellRules() {
  const rules = new Set();
  document.querySelectorAll("#preview-output [data-fix-rule]").forEach(function (item) {
    if (item.dataset.fixRule) rules.add(item.dataset.fixRule);
  });
  return Array.from(rules);
}

function completeFrontmatter(words, kindOf) {
  return function (context) {
    const doc = context.state.doc;
    const line = doc.lineAt(context.pos);
    const end = frontmatterEnd(doc);
    if (!end || line.number === 1 || line.number >= end) return null;
    const before = line.text.slice(0, context.pos - line.from);
    if (/^[A-Za-z_-]*$/.test(before)) {
      if (!before && !context.explicit) return null;
      const used = new Set();
      for (let number = 2; number < Math.min(end, doc.lines + 1); number++) {
        const key = /^([A-Za-z_-]+):/.exec(doc.line(number).text);
        if (key && number !== line.number) used.add(key[1]);
      }
      const fields = (words.fields[kindOf()] || []).filter(function (field) {
        return !used.has(field.name);
      });
      return {
        from: line.from,
        validFor: /^[A-Za-z_-]*$/,
        options: fields.map(function (field) {
          return {
            label: field.name,
            type: "property",
            detail: field.expected,
            info: field.help,
            apply: field.name + ": ",
          };
        }),
      };
    }
    const key = /^([A-Za-z_-]+):/.exec(before);
    if (!key) return null;
    if (words.ruleFields.includes(key[1])) {
      const token = context.matchBefore(/[A-Za-z]*$/);
      const options = words.tools.map(function (tool) {
        return { label: tool, type: "function", detail: "tool" };
      });
      for (const rule of shellRules()) {
        options.unshift({ label: rule, type: "keyword", detail: "a command the body runs", boost: 1 });
      }
      return { from: token.from, options: options, validFor: /^[A-Za-z]*$/ };
    }
    if (key[1] === "model") {
      const token = context.matchBefore(/[\w.-]*$/);
      return {
        from: token.from,
        validFor: /^[\w.-]*$/,
        options: words.models.map(function (model) {
          return { label: model, type: "constant", detail: "model" };
        }),
      };
    }
    return null;
  };
}

function completion(textarea) {
  const words = vocabulary();
  const path = textarea.dataset.path || "SKILL.md";
  if (!words || path !== "SKILL.md") return []; // a skill's other files have no frontmatter
  const kindOf = function () {
    const select = document.getElementById("id_kind");
    return (select && select.value) || textarea.dataset.kind || "command";
  };
  return autocompletion({ override: [completeFrontmatter(words, kindOf)] });
}

function nonce() {
  const meta = document.querySelector('meta[name="csp-nonce"]');
  return meta ? meta.content : "";
}

function wrapToggle(view, wrapping) {
  const label = document.createElement("label");
  label.className = "editor-toggle";
  const box = document.createElement("input");
  box.type = "checkbox";
  box.checked = wrapWanted();
  box.dataset.wrapToggle = "";
  box.addEventListener("change", function () {
    rememberWrap(box.checked);
    view.dispatch({ effects: wrapping.reconfigure(box.checked ? EditorView.lineWrapping : []) });
  });
  label.append(box, " Wrap lines");
  return label;
}

export function attach(textarea) {
  const wrapping = new Compartment();
  const holder = textarea.closest(".code-editor");
  let writing = false;
  const view = new EditorView({
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        foldGutter(),
        lintGutter(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        closeBrackets(),
        completion(textarea),
        highlightActiveLine(),
        highlightSelectionMatches(),
        search({ top: true }),
        // Token classes (tok-keyword, tok-string, …) that skillhub.css colours, light and dark.
        syntaxHighlighting(classHighlighter),
        languageFor(textarea.dataset.path),
        wrapping.of(wrapWanted() ? EditorView.lineWrapping : []),
        EditorState.tabSize.of(2),
        EditorView.cspNonce.of(nonce()),
        EditorView.contentAttributes.of({ "aria-label": textarea.dataset.label || "File" }),
        keymap.of([
          ...closeBracketsKeymap,
          ...defaultKeymap,
          ...searchKeymap,
          ...historyKeymap,
          ...foldKeymap,
          ...completionKeymap,
          indentWithTab,
        ]),
        EditorView.updateListener.of(function (update) {
          if (!update.docChanged) return;
          writing = true;
          textarea.value = update.state.doc.toString();
          textarea.dispatchEvent(new Event("input", { bubbles: true }));
          writing = false;
        }),
      ],
    }),
  });
  // The textarea is kept (hidden) for the form, and for anything that sets its value.
  textarea.addEventListener("input", function () {
    if (writing) return;
    const text = textarea.value;
    if (text !== view.state.doc.toString()) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    }
  });
  holder.classList.add("has-codemirror");
  holder.append(view.dom);
  const label = document.querySelector('label[for="' + textarea.id + '"]');
  if (label) {
    label.htmlFor = "";
    label.addEventListener("click", function () {
      view.focus();
    });
  }
  holder.before(wrapToggle(view, wrapping));
  textarea.dataset.codemirror = "";
  textarea.codemirror = view;
  return view;
}

let shownOutput = null;

function showProblems(view) {
  const output = document.getElementById("preview-output");
  // Every htmx swap settles (the presence line too): only a new preview has new problems.
  if (!output || output === shownOutput) return;
  shownOutput = output;
  view.dispatch(setDiagnostics(view.state, diagnosticsFrom(output, view)));
  addFixButtons(output, view);
}

// -- the preview follows the editor -------------------------------------------------

// The element that scrolls the preview (the sticky pane on a wide screen), or null
// where the page itself scrolls and the panes are stacked: then there is nothing to sync.
function previewScroller() {
  const output = document.getElementById("preview-output");
  for (let element = output; element; element = element.parentElement) {
    const overflow = getComputedStyle(element).overflowY;
    if (overflow === "auto" || overflow === "scroll") {
      return element.scrollHeight > element.clientHeight ? element : null;
    }
  }
  return null;
}

// The rendered blocks with the file line each starts on, in order; read once a preview.
let blocksOf = { output: null, blocks: [] };

function previewBlocks() {
  const output = document.getElementById("preview-output");
  if (blocksOf.output === output) return blocksOf.blocks;
  blocksOf = { output: output, blocks: readBlocks() };
  return blocksOf.blocks;
}

function readBlocks() {
  return Array.from(document.querySelectorAll("[data-skill-body] [data-source-line]"))
    .map(function (element) {
      return { line: parseInt(element.dataset.sourceLine, 10), element: element };
    })
    .filter(function (block) {
      return block.line > 0;
    });
}

// Where, in `scroller`'s content, the preview of file line `line` (fractional) is:
// interpolated between the blocks around it.
function previewOffset(scroller, blocks, line) {
  const top = function (element) {
    return element.getBoundingClientRect().top - scroller.getBoundingClientRect().top + scroller.scrollTop;
  };
  let low = 0;
  let high = blocks.length; // the first block past `line`, by bisection
  while (low < high) {
    const middle = (low + high) >> 1;
    if (blocks[middle].line <= line) low = middle + 1;
    else high = middle;
  }
  const index = low - 1;
  if (index < 0) return 0; // the frontmatter, above the first block
  const here = top(blocks[index].element);
  const next = index + 1 < blocks.length ? blocks[index + 1] : null;
  const end = next ? top(next.element) : here + blocks[index].element.offsetHeight;
  const span = (next ? next.line : line + 1) - blocks[index].line;
  return here + (end - here) * Math.min(1, (line - blocks[index].line) / Math.max(1, span));
}

// The file line at the top of the editor's visible text, with the fraction of it that
// is scrolled past.
function topLine(view) {
  const block = view.lineBlockAtHeight(view.scrollDOM.scrollTop);
  const line = view.state.doc.lineAt(block.from).number;
  return line + Math.max(0, Math.min(1, (view.scrollDOM.scrollTop - block.top) / Math.max(1, block.height)));
}

function followScroll(view) {
  const scroller = previewScroller();
  if (!scroller || !previewBlocks().length) return; // nothing to place (a code file)
  const atEnd = view.scrollDOM.scrollTop + view.scrollDOM.clientHeight >= view.scrollDOM.scrollHeight - 2;
  scroller.scrollTop = atEnd ? scroller.scrollHeight : previewOffset(scroller, previewBlocks(), topLine(view));
}

// The cursor's block in view: centred in the preview if it is outside it.
function followCursor(view) {
  const scroller = previewScroller();
  if (!scroller || !previewBlocks().length) return;
  const line = view.state.doc.lineAt(view.state.selection.main.head).number;
  const offset = previewOffset(scroller, previewBlocks(), line);
  if (offset < scroller.scrollTop || offset > scroller.scrollTop + scroller.clientHeight - 40) {
    scroller.scrollTop = Math.max(0, offset - scroller.clientHeight / 3);
  }
}

function syncPreview(view) {
  let pending = false;
  const later = function (follow) {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      follow(view);
    });
  };
  view.scrollDOM.addEventListener("scroll", function () {
    later(followScroll);
  });
  return EditorView.updateListener.of(function (update) {
    if (update.selectionSet && !update.docChanged) later(followCursor);
  });
}

// -- a conflict, resolved chunk by chunk ---------------------------------------------
//
// On a conflict page the server sends both sides with everything else merged in
// (EditConflict.sides_to_resolve): they differ only where the two edits overlap. The
// editor shows mine against theirs; each chunk is taken from theirs, kept as mine or
// kept both (theirs, then mine). "Save on top of theirs" waits until none is left, so
// a second press of a button can never drop their edit unseen; Save merges again.

function mergeButton(label, className, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "merge-button " + className;
  button.textContent = label;
  button.addEventListener("mousedown", function (event) {
    event.preventDefault(); // keep the editor's selection
  });
  button.addEventListener("click", onClick);
  return button;
}

function chunkAt(state, position) {
  const found = getChunks(state);
  if (!found) return null;
  return found.chunks.find(function (chunk) {
    return chunk.fromB <= position && position <= Math.max(chunk.endB, chunk.fromB);
  });
}

// Theirs' lines, then mine, where the chunk at `position` is.
function keepBoth(view, position) {
  const chunk = chunkAt(view.state, position);
  if (!chunk) return;
  const theirs = getOriginalDoc(view.state).sliceString(chunk.fromA, chunk.endA);
  let mineStarts = chunk.fromB;
  if (chunk.fromA < chunk.endA) {
    view.dispatch({ changes: { from: chunk.fromB, insert: theirs + "\n" } });
    mineStarts += theirs.length + 1;
  }
  acceptChunk(view, mineStarts); // what is left differs from theirs by mine alone
}

function startMerge(view, sides) {
  const theirs = sides.querySelector("[data-merge-theirs]").value;
  const mine = sides.querySelector("[data-merge-mine]").value;
  const number = sides.dataset.theirsNumber;
  const status = document.querySelector("[data-merge-status]");
  const resolve = document.querySelector('button[name="resolved_version"]');
  const controls = function (type, action) {
    if (type === "reject") return mergeButton("Take theirs", "merge-theirs", action);
    const holder = document.createElement("span");
    holder.className = "merge-keep";
    holder.append(
      mergeButton("Keep mine", "merge-mine", action),
      mergeButton("Keep both", "merge-both", function (event) {
        keepBoth(view, view.posAtDOM(event.target));
      }),
    );
    return holder;
  };
  const merging = new Compartment();
  let done = false;
  const refresh = function (state) {
    const found = getChunks(state);
    if (done || !found) return; // (null until the merge view has set up)
    const left = found.chunks.length;
    if (resolve) resolve.disabled = left > 0;
    status.hidden = false;
    status.textContent = left
      ? left + (left === 1 ? " overlapping change" : " overlapping changes") +
        " to resolve: take theirs, keep mine or keep both on each."
      : "All resolved: save on top of v" + number + ".";
    status.dataset.left = String(left);
    if (!left) {
      // Every chunk decided: the merge view goes, so later edits of the author's own are
      // just edits, not new chunks that would lock the button again.
      done = true;
      window.setTimeout(function () {
        view.dispatch({ effects: merging.reconfigure([]) });
      });
    }
  };
  view.dispatch({
    changes: { from: 0, to: view.state.doc.length, insert: mine },
    effects: StateEffect.appendConfig.of([
      merging.of(unifiedMergeView({ original: theirs, mergeControls: controls, gutter: true })),
      EditorView.updateListener.of(function (update) {
        refresh(update.state);
      }),
    ]),
  });
  refresh(view.state);
}

// -- merge now: a newer version folded into the unsaved text ---------------------------

// Replace the document by `text` as the changes between them, so that the cursor and
// the scroll stay where they were in the lines that did not change.
function replaceKeepingPlace(view, text) {
  const old = view.state.doc.toString();
  const changes = diff(old, text).map(function (change) {
    return { from: change.fromA, to: change.toA, insert: text.slice(change.fromB, change.toB) };
  });
  view.dispatch({ changes: changes });
}

async function mergeNow(view, button) {
  const form = document.getElementById("edit-form");
  const base = form.querySelector("[name=base_version]");
  const status = document.getElementById("merge-now-status");
  const sent = view.state.doc.toString();
  const body = new FormData();
  body.append("text", sent);
  body.append("base_version", base.value);
  button.disabled = true;
  try {
    const response = await fetch(button.dataset.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value },
    });
    const json = (response.headers.get("Content-Type") || "").startsWith("application/json");
    const answer = json ? await response.json() : null;
    if (!response.ok || !answer) {
      status.textContent = answer
        ? answer.error.message
        : "The server answered " + response.status + ": nothing changed.";
      return;
    }
    if (view.state.doc.toString() !== sent) {
      status.textContent = "You typed while it merged, so nothing changed: press Merge now again.";
      return;
    }
    replaceKeepingPlace(view, answer.text);
    base.value = String(answer.base_version);
    status.textContent =
      "Merged v" + answer.base_version + " by " + answer.author + " in. Nothing is saved until you save.";
  } catch {
    status.textContent = "The merge did not reach the server: nothing changed. Try again.";
  } finally {
    button.disabled = false;
  }
}

// -- a new item: the kind's template, while the author has not changed it ------------

function templateFor(words, kind, name) {
  const text = words.templates[kind] || words.templates.command;
  const placeholder = words.placeholderNames[kind];
  if (!placeholder || !name) return text;
  return text.replace("\nname: " + placeholder + "\n", "\nname: " + name.trim() + "\n");
}

// On the new-item page, a change of kind or name replaces the text with the matching
// template as long as the text is the template it was given; never the author's own.
function followTemplate(view, words) {
  const kind = document.getElementById("id_kind");
  const name = document.getElementById("id_name");
  if (!kind || !name || !words) return;
  let given = templateFor(words, kind.value, name.value);
  const update = function () {
    if (given === null || view.state.doc.toString() !== given) {
      given = null; // edited: the author's text from now on
      return;
    }
    const next = templateFor(words, kind.value, name.value);
    if (next !== given) replaceKeepingPlace(view, next);
    given = next;
  };
  kind.addEventListener("change", update);
  name.addEventListener("input", update);
}

function goTo(view, line, column) {
  const position = positionOf(view.state.doc, line, column);
  view.dispatch({
    selection: EditorSelection.cursor(position),
    effects: EditorView.scrollIntoView(position, { y: "center" }),
  });
  view.focus();
}

function start() {
  const textarea = document.querySelector("textarea[data-code-editor]");
  if (!textarea) return;
  const view = attach(textarea);
  view.dispatch({ effects: StateEffect.appendConfig.of(syncPreview(view)) });
  const sides = document.querySelector("[data-merge]");
  if (sides) startMerge(view, sides);
  followTemplate(view, vocabulary());
  showProblems(view);
  // Each preview the server sends replaces #preview-output: its problems replace the
  // last ones, and it is scrolled to where the editor is.
  document.body.addEventListener("htmx:afterSettle", function () {
    const before = shownOutput;
    showProblems(view);
    if (shownOutput !== before) followScroll(view);
  });
  document.addEventListener("click", function (event) {
    const merge = event.target.closest("[data-merge-now]");
    if (merge) mergeNow(view, merge);
  });
  document.addEventListener("click", function (event) {
    const button = event.target.closest(".problem-line");
    if (!button) return;
    event.preventDefault();
    goTo(view, parseInt(button.dataset.line, 10) || 1, parseInt(button.dataset.column, 10) || 0);
  });
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
