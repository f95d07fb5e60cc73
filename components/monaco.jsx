// Monaco bundled into the app by Vite: @monaco-editor/react is told to use this copy instead of
// loading one from a CDN, so the editor works with no internet.
import React, { useEffect, useRef } from "react";
import { loader, Editor, DiffEditor } from "@monaco-editor/react";
import * as monaco from "monaco-editor";
import editorWorker from "monaco-editor/esm/vs/editor/editor.worker?worker";
import jsonWorker from "monaco-editor/esm/vs/language/json/json.worker?worker";
import tsWorker from "monaco-editor/esm/vs/language/typescript/ts.worker?worker";

self.MonacoEnvironment = {
  getWorker(_, label) {
    if (label === "json") return new jsonWorker();
    if (label === "typescript" || label === "javascript") return new tsWorker();
    return new editorWorker();
  },
};
loader.config({ monaco });

// Ctrl/Cmd+S and Ctrl/Cmd+Enter click the page's Save and Run buttons, whether or not the
// editor has focus; the editor itself would otherwise eat Ctrl+Enter (insert line below).
const SHORTCUTS = { s: "save-script", Enter: "run-tryout" };

function clickShortcut(e) {
  if (!(e.ctrlKey || e.metaKey)) return;
  const id = SHORTCUTS[e.key];
  const button = id && document.getElementById(id);
  if (!button) return;
  e.preventDefault();
  if (button.disabled) return;
  // Reflex debounces text inputs and sends their last value on blur: blur first so the click's
  // event reaches the server after the text just typed, then give the focus back.
  const typing = document.activeElement;
  const debounced = typing && /^(INPUT|TEXTAREA)$/.test(typing.tagName) && !typing.closest(".monaco-editor");
  if (debounced) typing.blur();
  button.click();
  if (debounced) typing.focus();
}

export function useRunpadShortcuts() {
  useEffect(() => {
    window.addEventListener("keydown", clickShortcut, true);
    return () => window.removeEventListener("keydown", clickShortcut, true);
  }, []);
}

function themeName(theme) {
  return theme === "dark" ? "vs-dark" : "vs";
}

// Leaving with unsaved edits asks first: a reload or closing the tab (the browser's own prompt), and a
// click on a link to another page of the app, which navigates without unloading the page.
function useLeaveGuard(unsaved) {
  const pending = useRef(false);
  pending.current = !!unsaved;
  useEffect(() => {
    const beforeUnload = (e) => {
      if (!pending.current) return;
      e.preventDefault();
      e.returnValue = "";
    };
    const click = (e) => {
      if (!pending.current || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
      const link = e.target.closest && e.target.closest("a[href]");
      if (!link || link.target === "_blank" || link.hasAttribute("download")) return;
      const url = new URL(link.href, window.location.href);
      if (url.origin !== window.location.origin || url.pathname === window.location.pathname) return;
      if (!window.confirm("This script has unsaved changes. Leave without saving them?")) {
        e.preventDefault();
        e.stopPropagation();
      }
    };
    window.addEventListener("beforeunload", beforeUnload);
    document.addEventListener("click", click, true); // before the router's own handler
    return () => {
      window.removeEventListener("beforeunload", beforeUnload);
      document.removeEventListener("click", click, true);
    };
  }, []);
}

// Uncontrolled on purpose: echoing every keystroke back from the server as `value` would race
// with typing and drop characters. A new docKey (another script, a restored version) remounts it.
export function RunpadEditor({ initial, docKey, language, theme, onChange, readOnly, height, editorId, unsaved }) {
  useRunpadShortcuts();
  useLeaveGuard(unsaved);
  const mounted = useRef(null);
  return (
    <div data-testid={editorId || "code-editor"} style={{ height: height || "100%", width: "100%" }}>
      <Editor
        key={docKey}
        defaultValue={initial}
        language={language}
        theme={themeName(theme)}
        onChange={(v) => onChange && onChange(v ?? "")}
        onMount={(editor) => {
          mounted.current = editor;
          window.runpadEditor = editor; // lets the browser tests type into the real editor
        }}
        options={{
          readOnly: !!readOnly,
          minimap: { enabled: false },
          fontSize: 13,
          scrollBeyondLastLine: false,
          automaticLayout: true,
          tabSize: language === "python" ? 4 : 2,
        }}
      />
    </div>
  );
}

export function RunpadDiffEditor({ original, modified, language, theme, height }) {
  return (
    <div data-testid="diff-editor" style={{ height: height || "100%", width: "100%" }}>
      <DiffEditor
        original={original}
        modified={modified}
        language={language}
        theme={themeName(theme)}
        // keep* : leaving the page otherwise disposes the models before the widget lets go of them
        keepCurrentOriginalModel
        keepCurrentModifiedModel
        options={{ readOnly: true, renderSideBySide: true, minimap: { enabled: false }, automaticLayout: true }}
      />
    </div>
  );
}
