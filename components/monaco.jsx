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

// TypeScript scripts: Monaco's TypeScript worker checks types as you type; a type error is shown,
// it never stops a run (the runner only strips the types). Packages are installed in the run's image,
// not in the browser, so "cannot find module" would be a false alarm on every import.
const ts = monaco.languages.typescript;
ts.typescriptDefaults.setCompilerOptions({
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.NodeJs,
  allowNonTsExtensions: true,
  allowJs: true,
  esModuleInterop: true,
});
ts.typescriptDefaults.setDiagnosticsOptions({
  noSemanticValidation: false,
  noSyntaxValidation: false,
  diagnosticCodesToIgnore: [2307, 2792, 7016], // module not found / no types for it
});
// What a handler has in Node.js beyond the browser's globals (the CommonJS names included)
ts.typescriptDefaults.addExtraLib(
  `declare var process: { env: Record<string, string | undefined>; [key: string]: any };
declare var require: (id: string) => any;
declare var module: { exports: any };
declare var exports: any;
declare var Buffer: any;
declare var __dirname: string;
declare var __filename: string;`,
  "file:///runpad/node-globals.d.ts",
);

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
export function RunpadEditor({ initial, docKey, language, fileName, theme, onChange, readOnly, height, editorId, unsaved }) {
  useRunpadShortcuts();
  useLeaveGuard(unsaved);
  const mounted = useRef(null);
  return (
    <div data-testid={editorId || "code-editor"} style={{ height: height || "100%", width: "100%" }}>
      <Editor
        key={docKey}
        // one model per document, named like the handler file: its extension is what makes the
        // TypeScript worker check a .ts model as TypeScript
        path={`file:///${docKey || "doc"}/${fileName || "handler"}`}
        defaultValue={initial}
        language={language}
        theme={themeName(theme)}
        onChange={(v) => onChange && onChange(v ?? "")}
        onMount={(editor) => {
          mounted.current = editor;
          window.runpadEditor = editor; // lets the browser tests type into the real editor
          // and read its diagnostics (the TypeScript worker's type errors), as "line: message"
          window.runpadMarkers = () =>
            monaco.editor.getModelMarkers({ resource: editor.getModel().uri }).map((m) => `${m.startLineNumber}: ${m.message}`);
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
