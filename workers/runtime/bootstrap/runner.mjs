// Runpad's bootstrap inside a Node.js run container (JavaScript and TypeScript alike). It waits on
// stdin for one JSON document {code, runtime, event, ctx, secrets, nonce}, runs the user's module and
// handler, and writes the outcome as one line "<nonce><json>" to a private copy of stdout (and the
// nonce alone to a private copy of stderr), so user code closing stdout or stderr cannot lose it.
//
// Which module system: the code is CommonJS when V8 compiles it as the body of a CommonJS function
// (no import/export statements, no import.meta, no top-level await), otherwise an ES module. That is
// Node.js's own rule for files with no declared type (module syntax detection), decided here by a real
// parse before anything runs, so the code runs once, as what it is, whatever Node.js version the base has.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import nodeModule from "node:module";
import { pathToFileURL } from "node:url";
import vm from "node:vm";

const resultFd = fs.openSync("/dev/stdout", "w");
const markFd = fs.openSync("/dev/stderr", "w");
const input = JSON.parse(fs.readFileSync(0, "utf8"));

// The handler forms a module can take, as the "no handler found" error lists them.
const FORMS = [
  "export default async function handler(event, ctx) {…}",
  "export async function handler(event, ctx) {…} (or export const handler = …)",
  "module.exports = async (event, context) => {…}",
  "exports.handler = async (event, context) => {…} (or module.exports = { handler })",
];

class NoHandler extends Error {}

// stdout and stderr are asynchronous pipes here: let what the handler wrote drain before the frame
const drained = (stream) => new Promise((resolve) => {
  try {
    stream.write("", () => resolve());
  } catch {
    resolve();
  }
});

async function emit(outcome) {
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  let text;
  try {
    text = JSON.stringify(outcome);
  } catch (err) {
    text = JSON.stringify({ ok: false, error: `result is not JSON-serialisable: ${err.message}` });
  }
  // stderr is a pipe of its own: a nonce line there tells the worker all stderr output has arrived
  fs.writeSync(markFd, `\n${input.nonce}\n`);
  fs.writeSync(resultFd, `\n${input.nonce}${text}\n`);
}

for (const [name, value] of Object.entries(input.secrets || {})) process.env[name] = value;
delete input.secrets;

// The code lives on the /tmp tmpfs; a node_modules link beside it lets bare imports resolve.
const dir = "/tmp/.runpad";
fs.mkdirSync(dir, { recursive: true });
if (fs.existsSync("/opt/runpad/deps/node_modules")) fs.symlinkSync("/opt/runpad/deps/node_modules", `${dir}/node_modules`);

// TypeScript becomes JavaScript with Node.js's own transform (enums and namespaces included, no type
// check), with an inline source map naming handler.ts so stack traces point at the TypeScript lines.
function javascriptOf(code, runtime) {
  if (runtime !== "typescript") return code;
  if (typeof nodeModule.stripTypeScriptTypes !== "function") {
    throw new Error(`TypeScript needs Node.js 22.13 or newer in the base image; it has ${process.version}`);
  }
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {}; // "stripTypeScriptTypes is experimental": ours to know, not the run's log
  try {
    return nodeModule.stripTypeScriptTypes(code, { mode: "transform", sourceMap: true, sourceUrl: "handler.ts" });
  } finally {
    process.emitWarning = emitWarning;
  }
}

function isCommonJS(js) {
  try {
    vm.compileFunction(js, ["exports", "require", "module", "__filename", "__dirname"]);
    return true;
  } catch {
    return false; // module syntax, or code that parses as neither: the ES module path reports it
  }
}

const callable = (value) => (typeof value === "function" ? value : null);

// The handler of a loaded module; null for a script with no exports (it has run top to bottom).
function handlerOf(exported, names) {
  const found = callable(exported) || callable(exported?.default) || callable(exported?.handler);
  if (found || names.length === 0) return found;
  throw new NoHandler(
    `no handler found: the module exports ${names.join(", ")}, but Runpad calls one of these forms:\n  ` +
      `${FORMS.join("\n  ")}\nA script that exports nothing is run top to bottom.`,
  );
}

async function loadHandler() {
  const js = javascriptOf(input.code, input.runtime);
  if (input.runtime === "typescript") process.setSourceMapsEnabled(true);
  if (isCommonJS(js)) {
    const file = `${dir}/handler.cjs`;
    fs.writeFileSync(file, js);
    const exported = nodeModule.createRequire(file)(file);
    const untouched = exported && typeof exported === "object" && Object.keys(exported).length === 0;
    return handlerOf(exported, untouched ? [] : typeof exported === "object" && exported ? Object.keys(exported) : [typeof exported]);
  }
  fs.writeFileSync(`${dir}/handler.mjs`, js);
  const mod = await import(pathToFileURL(`${dir}/handler.mjs`).href);
  return handlerOf(callable(mod.default) ? mod.default : mod, Object.keys(mod));
}

// Lambda's context methods beside ctx's fields (not enumerable: ctx stays the documented JSON)
function contextOf(ctx) {
  Object.defineProperty(ctx, "getRemainingTimeInMillis", { value: () => Math.max(0, ctx.deadline - Date.now()) });
  return ctx;
}

// A handler that declares a third parameter is Lambda's callback style: its result is what it passes
// to the callback (or what it returns, a promise's value included, when that comes first and is not
// undefined: a plain function with three parameters must not wait for a callback it never calls).
function call(handler, event, ctx) {
  if (handler.length < 3 || handler.constructor.name === "AsyncFunction") return handler(event, ctx);
  return new Promise((resolve, reject) => {
    const done = (err, value) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(value));
    const returned = handler(event, ctx, done);
    if (returned && typeof returned.then === "function") returned.then(resolve, reject);
    else if (returned !== undefined) resolve(returned);
  });
}

function report(err) {
  if (err instanceof NoHandler) {
    console.error(err.message);
  } else if (err instanceof SyntaxError && (err.stack || "").includes("compileSourceTextModule")) {
    // ESM syntax errors carry no location; node --check prints the file, line and a caret
    const check = spawnSync(process.execPath, ["--check", `${dir}/handler.mjs`], { encoding: "utf8" });
    console.error((check.stderr || String(err)).trim());
  } else {
    console.error(err && err.stack ? err.stack : String(err));
  }
}

try {
  const handler = await loadHandler();
  const result = handler ? await call(handler, input.event, contextOf(input.ctx)) : null;
  await emit({ ok: true, result: result === undefined ? null : result });
} catch (err) {
  report(err);
  const message = err instanceof NoHandler ? err.message : err && err.message !== undefined ? `${err.name || "Error"}: ${err.message}` : String(err);
  await emit({ ok: false, error: message });
}
process.exit(0);
