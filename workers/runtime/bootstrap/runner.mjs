// Runpad's bootstrap inside a Node.js run container. It waits on stdin for one JSON document
// {code, event, ctx, secrets, nonce}, runs the user's module and handler, and writes the outcome as
// one line "<nonce><json>" to a private copy of stdout (and the nonce alone to a private copy of
// stderr), so user code closing stdout or stderr cannot lose it.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { pathToFileURL } from "node:url";

const resultFd = fs.openSync("/dev/stdout", "w");
const markFd = fs.openSync("/dev/stderr", "w");
const input = JSON.parse(fs.readFileSync(0, "utf8"));

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
fs.writeFileSync(`${dir}/handler.mjs`, input.code);

try {
  const mod = await import(pathToFileURL(`${dir}/handler.mjs`).href);
  const handler = typeof mod.default === "function" ? mod.default : typeof mod.handler === "function" ? mod.handler : null;
  const result = handler ? await handler(input.event, input.ctx) : null;
  await emit({ ok: true, result: result === undefined ? null : result });
} catch (err) {
  if (err instanceof SyntaxError && (err.stack || "").includes("compileSourceTextModule")) {
    // ESM syntax errors carry no location; node --check prints the file, line and a caret
    const check = spawnSync(process.execPath, ["--check", `${dir}/handler.mjs`], { encoding: "utf8" });
    console.error((check.stderr || String(err)).trim());
  } else {
    console.error(err && err.stack ? err.stack : String(err));
  }
  await emit({ ok: false, error: err && err.message !== undefined ? `${err.name || "Error"}: ${err.message}` : String(err) });
}
process.exit(0);
