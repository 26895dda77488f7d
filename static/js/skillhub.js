// Skillhub's small enhancements. Every page works without this file; it adds
// line numbers, Tab indenting, Ctrl/Cmd+S, an unsaved-changes warning and
// "go to line" from the problems list. No inline scripts (strict CSP).
(function () {
  "use strict";

  const INDENT = "  ";

  function lineCount(text) {
    let count = 1;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) count++;
    return count;
  }

  function setupEditor(textarea) {
    const gutter = textarea.parentElement.querySelector(".gutter");
    const form = textarea.form;
    let shownLines = 0;
    let dirty = false;
    let submitting = false;
    const initial = textarea.value;

    function renumber() {
      // Hidden under the code editor, where it runs: no need to count 90,000 lines a key.
      if (!gutter || "codemirror" in textarea.dataset) return;
      const lines = lineCount(textarea.value);
      if (lines !== shownLines) {
        const numbers = [];
        for (let i = 1; i <= lines; i++) numbers.push(i);
        gutter.textContent = numbers.join("\n");
        shownLines = lines;
      }
      gutter.scrollTop = textarea.scrollTop;
    }

    textarea.addEventListener("input", function () {
      dirty = textarea.value !== initial;
      renumber();
    });
    textarea.addEventListener("scroll", function () {
      if (gutter) gutter.scrollTop = textarea.scrollTop;
    });

    // Tab indents; Escape first lets Tab move focus on, so the keyboard is never trapped.
    let releaseTab = false;
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        releaseTab = true;
        return;
      }
      if (event.key === "Tab" && !releaseTab && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        indent(textarea, event.shiftKey);
      }
      if (event.key !== "Tab") releaseTab = false;
    });

    if (form) {
      form.addEventListener("submit", function () {
        submitting = true;
      });
    }
    window.addEventListener("beforeunload", function (event) {
      if (dirty && !submitting) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
    renumber();
  }

  function indent(textarea, outdent) {
    const value = textarea.value;
    const start = textarea.selectionStart;
    const end = textarea.selectionEnd;
    const lineStart = value.lastIndexOf("\n", start - 1) + 1;
    if (!outdent && start === end) {
      textarea.setRangeText(INDENT, start, end, "end");
    } else {
      const block = value.slice(lineStart, end);
      const changed = block
        .split("\n")
        .map(function (line) {
          if (!outdent) return INDENT + line;
          return line.startsWith(INDENT) ? line.slice(INDENT.length) : line.replace(/^ /, "");
        })
        .join("\n");
      textarea.setRangeText(changed, lineStart, end, "select");
    }
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function goToLine(textarea, line) {
    const lines = textarea.value.split("\n");
    const target = Math.max(1, Math.min(line, lines.length));
    let offset = 0;
    for (let i = 0; i < target - 1; i++) offset += lines[i].length + 1;
    textarea.focus();
    textarea.setSelectionRange(offset, offset + lines[target - 1].length);
    const lineHeight = parseFloat(getComputedStyle(textarea).lineHeight) || 20;
    textarea.scrollTop = Math.max(0, (target - 3) * lineHeight);
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest(".problem-line");
    if (!button) return;
    const textarea = document.getElementById("id_text");
    // The code editor (codemirror-editor.js), where it runs, goes to the problem itself.
    if (textarea && !("codemirror" in textarea.dataset)) {
      goToLine(textarea, parseInt(button.dataset.line, 10) || 1);
    }
  });

  // Ctrl/Cmd+S saves the editor's form, wherever the focus is.
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      const form = document.querySelector("form[data-editor]");
      if (form) {
        event.preventDefault();
        form.requestSubmit();
      }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-editor] textarea[name=text]").forEach(setupEditor);
  });
})();

// Copy buttons for install lines (pre[data-copy]). Added here rather than in the
// page, so that without JavaScript there is no button that cannot work: the line is
// plain text to select. Where the clipboard API is unavailable (plain http on a host
// other than localhost), the button selects the line for the reader to copy.
(function () {
  "use strict";

  function selectText(element) {
    const range = document.createRange();
    range.selectNodeContents(element);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function addCopyButton(pre) {
    const code = pre.querySelector("code") || pre;
    const wrapper = document.createElement("div");
    wrapper.className = "copy-line";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = "Copy";
    const label = "Copy " + code.textContent.trim();
    button.setAttribute("aria-label", label);
    const status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    pre.before(wrapper);
    wrapper.append(pre, button, status);

    button.addEventListener("click", function () {
      const text = code.textContent.trim();
      function done(message) {
        // The accessible name keeps holding the visible text (WCAG 2.5.3, axe's
        // label-content-name-mismatch); the status region announces the outcome.
        button.textContent = message;
        button.setAttribute("aria-label", message + ": " + label);
        status.textContent = message;
        window.setTimeout(function () {
          button.textContent = "Copy";
          button.setAttribute("aria-label", label);
          status.textContent = "";
        }, 2000);
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(
          function () {
            done("Copied");
          },
          function () {
            selectText(code);
            done("Selected: press Ctrl+C");
          },
        );
      } else {
        selectText(code);
        done("Selected: press Ctrl+C");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("pre[data-copy]").forEach(addCopyButton);
  });
})();
