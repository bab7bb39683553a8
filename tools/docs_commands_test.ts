// Every command in README.md, docs/*.md and examples/README.md is true: this
// test runs it, or checks that CI does.
//
// The convention (also in docs/development.md, "Commands in the docs are tested"):
//
// - Every fenced block names its language. `sh`, `bash`, `shell` and `console`
//   blocks are commands (in `console`, the lines starting with `$ `); anything
//   else (`text`, `json`, `http`, `ts`) is not run, so output goes in those.
// - A shell fence may carry one more word:
//   `ci`: commands CI itself runs (`npm ci`, `npm test`, `bash .ci/run`, the
//     benchmarks' smoke runs). Each command of the block must appear in
//     .ci/run or .github/workflows/ (not in a comment line) or in a test
//     file, or be one this test runs
//     (`npm start`, the `npx -y -p node@24` wrapper), so the word cannot
//     hide an untested command;
//   `illustrative`: needs a cloud account or a vendor's tools (`aws`, `az`,
//     MinIO's `minio` and `mc`). The next block of the same document that is
//     not illustrative must run the same on s3rver or Azurite.
//   `registry`: installs this repository's own packages from the registry
//     they are published to (`deno add jsr:…`, `npx jsr add …`), which needs
//     the network and a release. Each command must be one of those clients
//     naming only packages of the root deno.json workspace, and CI must run
//     their publishing dry run (`npm run check:jsr`), so what the command
//     installs is what CI checked.
// - Every other shell block runs here, in document order, with bash and
//   `set -euo pipefail`, from the repository root, and must exit 0. Variables
//   do not carry over from one block to the next; background jobs (`&`) live
//   until the end of their document, as in a terminal. A block ending in
//   `npm start` starts the service in place of the one running (it has started
//   when it prints its banner and /readyz answers 200); after each document
//   everything it started is stopped, and the next one gets a plain `npm start`.
//
// Where a command meets this machine is decided in one place, `localize` and
// `sandboxEnv` below: see SANDBOX.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, relative, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@taskdl/testing";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const THIS_FILE = fileURLToPath(import.meta.url);
const DOCS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`),
  "examples/README.md",
  "CONTRIBUTING.md",
];
const SHELL_LANGUAGES = new Set(["sh", "bash", "shell", "console"]);
const OTHER_LANGUAGES = new Set(["text", "json", "http", "ts", "js", "ini", "yaml", "dockerfile"]);
const TAGS = new Set(["ci", "illustrative", "registry"]);

/** The quick start's service: the test starts it exactly so, which is why `npm start` counts as tested. */
const QUICK_START = "npm start";
/** The quick start's wrapper for machines whose Node is older; `the npx wrapper …` below runs it. */
const NODE24_WRAPPER = "npx -y -p node@24 -- sh -c";
/** The entry point of CI itself: what it runs is the haystack of `ci` blocks. */
const CI_ENTRY = "bash .ci/run";
/** The publishing dry run of the packages `registry` blocks install (`tools/check_jsr_packages.ts`). */
const PUBLISH_CHECK = "npm run check:jsr";
/** How a `registry` block may install a package: the client, then the packages (`jsr:`-prefixed for deno add). */
const REGISTRY_CLIENTS: { command: RegExp; prefix: string }[] = [
  { command: /^deno add (.+)$/, prefix: "jsr:" },
  { command: /^(?:npx|pnpm dlx|yarn dlx|bunx) jsr add (.+)$/, prefix: "" },
];

/**
 * SANDBOX: the newcomer's machine, as the commands meet it here.
 *
 * - `.data/` (the default `DATA_DIR`) is a fresh folder of the test's; every
 *   command also runs with `DATA_DIR` set to it, so `npm start` and
 *   `npm run token` use it as they would use `.data/`.
 * - The ports the docs name are mapped onto free ones: 3000 (the service;
 *   `PORT` and the examples' `TASKDL_URL` are set to match), 4568 (s3rver)
 *   and 10000 (Azurite), wherever they follow `127.0.0.1:`, `--blobPort ` or
 *   `port: `.
 * - A `postgres://…` URL names a fresh database on the PostgreSQL the tests
 *   run on (`DATABASE_URL`, from taskdl-run-tests).
 * - Otherwise a fresh shell: no `DATABASE_URL` (so `npm start` uses its
 *   embedded PostgreSQL), no npm or node:test variables, none of this
 *   repository's node_modules/.bin on `PATH`; this Node first on `PATH`.
 */
const DOC_PORTS = [3000, 4568, 9464, 10000] as const;

interface Block {
  doc: string;
  line: number;
  language: string;
  tag: string | undefined;
  text: string;
}

/** The fenced blocks of a Markdown document, and what is wrong with its fences. */
function readBlocks(doc: string): { blocks: Block[]; problems: string[] } {
  const lines = readFileSync(join(ROOT, doc), "utf8").split("\n");
  const blocks: Block[] = [];
  const problems: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(lines[i] ?? "");
    if (open === null) continue;
    const [, fence = "", info = ""] = open;
    const [language = "", tag, ...rest] = info.trim().split(/\s+/).filter(Boolean);
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i] ?? "").trim().startsWith(fence); i++) body.push(lines[i] ?? "");
    const where = `${doc}:${start + 1}`;
    if (language === "") problems.push(`${where}: a fence without a language (use text for output)`);
    else if (!SHELL_LANGUAGES.has(language) && !OTHER_LANGUAGES.has(language))
      problems.push(`${where}: unknown language ${language}`);
    if (tag !== undefined && (!SHELL_LANGUAGES.has(language) || !TAGS.has(tag)))
      problems.push(`${where}: unknown word after the language: ${tag}`);
    if (rest.length > 0) problems.push(`${where}: more than one word after the language`);
    blocks.push({ doc, line: start + 1, language, tag, text: body.join("\n") });
  }
  return { blocks, problems };
}

const ALL = DOCS.map((doc) => ({ doc, ...readBlocks(doc) }));
const shellBlocks = (blocks: Block[]) => blocks.filter((block) => SHELL_LANGUAGES.has(block.language));

/** The script of a shell block: for `console`, its `$ ` lines. */
function scriptOf(block: Block): string {
  if (block.language !== "console") return block.text;
  return block.text
    .split("\n")
    .filter((line) => line.startsWith("$ "))
    .map((line) => line.slice(2))
    .join("\n");
}

/** The simple commands of a script: continuations joined, comments dropped, split at `&&`, `||`, `;`, `|`. */
function commandsOf(script: string): string[] {
  const commands: string[] = [];
  for (const line of script.replace(/\\\n/g, " ").split("\n")) {
    const code = line.replace(/(^|\s)#.*$/, "").trim();
    const wrapped = code.startsWith(`${NODE24_WRAPPER} `) ? /^[^']*'(.*)'$/.exec(code) : null;
    if (wrapped !== null) {
      commands.push(NODE24_WRAPPER, ...commandsOf(wrapped[1] ?? ""));
      continue;
    }
    for (const part of code.split(/&&|\|\||;|\|/)) if (part.trim() !== "") commands.push(normalize(part));
  }
  return commands;
}

function normalize(command: string): string {
  return command
    .trim()
    .replace(/\s+/g, " ")
    .replace(/^npm run (-s|--silent) /, "npm run ");
}

/** A file's lines as the haystack compares them; comment lines left out where asked (a commented-out step does not run). */
function haystackText(file: string, withoutComments: boolean): string {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => !(withoutComments && /^\s*#/.test(line)))
    .map((line) => normalize(line.replace(/\s+/g, " ")).replace(/ npm run (-s|--silent) /g, " npm run "))
    .join("\n");
}

/** CI's pipeline and workflows, without their comment lines. */
function pipelineHaystack(): string[] {
  const files = [join(ROOT, ".ci", "run")];
  for (const name of readdirSync(join(ROOT, ".github", "workflows")))
    files.push(join(ROOT, ".github", "workflows", name));
  return files.map((file) => haystackText(file, true));
}

/** The text CI runs: its pipeline, its workflow, and every test (this one aside, which only quotes commands). */
function ciHaystack(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/_test\.ts$/.test(entry.name) && path !== THIS_FILE) files.push(path);
    }
  };
  walk(ROOT);
  return [...pipelineHaystack(), ...files.map((file) => haystackText(file, false))];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function ranByCi(command: string, haystack: string[]): boolean {
  if (command === QUICK_START || command === NODE24_WRAPPER || command === CI_ENTRY) return true;
  const pattern = new RegExp(`(^|[\\s;&|('"])${escapeRegExp(command)}(?=$|[\\s;&|)'"])`, "m");
  return haystack.some((text) => pattern.test(text));
}

test("every fence names a known language, and shell fences at most one known word after it", () => {
  assert.deepEqual(
    ALL.flatMap(({ problems }) => problems),
    [],
  );
});

test("every command of a ci block is run by .ci/run, the CI workflow, a test, or this test", () => {
  const haystack = ciHaystack();
  const ciBlocks = ALL.flatMap(({ blocks }) => shellBlocks(blocks)).filter((block) => block.tag === "ci");
  assert.ok(ciBlocks.length >= 5, `found ${ciBlocks.length} ci blocks`);
  const untested = ciBlocks.flatMap((block) =>
    commandsOf(scriptOf(block))
      .filter((command) => !ranByCi(command, haystack))
      .map((command) => `${block.doc}:${block.line}: ${command}`),
  );
  assert.deepEqual(untested, []);
});

test("every illustrative block is followed in its document by a block that runs the same on s3rver or Azurite", () => {
  let illustrative = 0;
  for (const { doc, blocks } of ALL) {
    const shell = shellBlocks(blocks);
    shell.forEach((block, index) => {
      if (block.tag !== "illustrative") return;
      illustrative++;
      const next = shell.slice(index + 1).find((other) => other.tag !== "illustrative");
      assert.ok(next !== undefined && next.tag === undefined, `${doc}:${block.line}: no runnable block after it`);
      assert.match(next.text, /s3rver|azurite/i, `${doc}:${block.line}: the next runnable block uses no emulator`);
    });
  }
  assert.ok(illustrative >= 3, `found ${illustrative} illustrative blocks`);
});

test("every registry block installs packages this repository publishes, and CI dry-runs their publishing", () => {
  const workspace: unknown = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")).workspace;
  const published = new Set(
    (Array.isArray(workspace) ? workspace : []).map(
      (member: string) => JSON.parse(readFileSync(join(ROOT, member, "deno.json"), "utf8")).name,
    ),
  );
  assert.ok(published.size >= 2, `the workspace publishes ${[...published].join(", ")}`);
  const blocks = ALL.flatMap(({ blocks }) => shellBlocks(blocks)).filter((block) => block.tag === "registry");
  assert.ok(blocks.length >= 1, "found no registry block");
  const wrong = blocks.flatMap((block) =>
    commandsOf(scriptOf(block)).flatMap((command) => {
      const client = REGISTRY_CLIENTS.map(({ command: pattern, prefix }) => ({ match: pattern.exec(command), prefix }))
        .filter(({ match }) => match !== null)
        .at(0);
      if (client === undefined)
        return [`${block.doc}:${block.line}: ${command}: not a registry client this test knows`];
      return (client.match?.[1] ?? "")
        .split(" ")
        .filter((name) => !(name.startsWith(client.prefix) && published.has(name.slice(client.prefix.length))))
        .map((name) => `${block.doc}:${block.line}: ${command}: ${name} is not a package this repository publishes`);
    }),
  );
  assert.deepEqual(wrong, []);
  assert.ok(ranByCi(PUBLISH_CHECK, pipelineHaystack()), `CI runs ${PUBLISH_CHECK}`);
});

test("the npx wrapper of the quick start runs its commands on a Node 24 of its own", { timeout: 180_000 }, async () => {
  const run = await runToEnd(`${NODE24_WRAPPER} 'command -v node && node --version'`, freshShellEnv(), 170_000);
  assert.equal(run.code, 0, run.output);
  const [node = "", version = ""] = run.output.trim().split("\n").slice(-2);
  // Not this machine's node (which is first on PATH here): the one npx installed for the command.
  assert.notEqual(dirname(node), dirname(process.execPath), run.output);
  assert.match(node, /_npx/, run.output);
  assert.match(version, /^v24\.\d+\.\d+$/, run.output);
});

test("relative links in the docs point at files and headings that exist", () => {
  const broken: string[] = [];
  for (const doc of DOCS) {
    const text = readFileSync(join(ROOT, doc), "utf8").replace(/```[\s\S]*?```/g, "");
    for (const [, target = ""] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target)) continue;
      const [path = "", anchor] = target.split("#");
      const file = path === "" ? join(ROOT, doc) : resolve(dirname(join(ROOT, doc)), path);
      // The shared specification and house style live next to the repository, not in it.
      if (relative(ROOT, file).startsWith("..")) continue;
      if (!existsSync(file)) broken.push(`${doc}: ${target}: no such file`);
      else if (anchor !== undefined && statSync(file).isFile() && !headingSlugs(file).has(anchor))
        broken.push(`${doc}: ${target}: no such heading`);
    }
  }
  assert.deepEqual(broken, []);
});

function headingSlugs(file: string): Set<string> {
  const text = readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
  return new Set(
    [...text.matchAll(/^#{1,6} (.+)$/gm)].map(([, heading = ""]) =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-"),
    ),
  );
}

// ---- running the blocks --------------------------------------------------

interface Sandbox {
  dataDir: string;
  ports: Map<number, number>;
  env: NodeJS.ProcessEnv;
  databases: TestDatabase[];
}

let sandbox: Sandbox;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A fresh shell's environment: this Node first, none of this repository's bins, no npm, node:test or database variables. */
function freshShellEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(name) || name === "DATABASE_URL" || name.startsWith("NODE_TEST") || name === "INIT_CWD") continue;
    env[name] = value;
  }
  const path = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((dir) => dir !== "" && relative(ROOT, dir).startsWith(".."));
  env.PATH = [dirname(process.execPath), ...path].join(delimiter);
  return env;
}

/** SANDBOX, for the text of a command. */
async function localize(script: string): Promise<string> {
  let text = script.replace(/(^|[\s"'=(])\.data\//g, `$1${sandbox.dataDir}/`);
  text = text.replace(
    /(127\.0\.0\.1:|--blobPort |port: |METRICS_PORT=)(\d+)\b/g,
    (match, prefix: string, port: string) => {
      const mapped = sandbox.ports.get(Number(port));
      return mapped === undefined ? match : `${prefix}${mapped}`;
    },
  );
  for (const url of new Set(text.match(/postgres:\/\/[^\s"']+/g) ?? [])) {
    const database = await createTestDatabase();
    sandbox.databases.push(database);
    text = text.replaceAll(url, database.url);
  }
  return text;
}

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs a script with bash in a process group of its own (so that its background jobs can be stopped with it). */
function spawnScript(script: string, env: NodeJS.ProcessEnv): Running {
  const child = spawn("bash", ["-c", `set -euo pipefail\n${script}`], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  // The exit can come before the last of the output has been read from the pipes: wait for both to end too,
  // but not for background jobs that keep them open (at most a second).
  const drained = (stream: NodeJS.ReadableStream | null) =>
    stream === null ? undefined : new Promise((resolve) => stream.once("end", resolve));
  const pipes = Promise.all([drained(child.stdout), drained(child.stderr)]);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      const timer = setTimeout(() => resolve(code), 1000);
      void pipes.then(() => (clearTimeout(timer), resolve(code)));
    }),
  );
  return { child, output: () => output, exited };
}

async function runToEnd(script: string, env: NodeJS.ProcessEnv, ms: number) {
  const running = spawnScript(script, env);
  const timer = setTimeout(() => signalGroup(running.child, "SIGKILL"), ms);
  const code = await running.exited;
  clearTimeout(timer);
  return { code, output: running.output(), running };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-(child.pid as number), signal);
    return true;
  } catch {
    return false; // the group is gone
  }
}

// Azurite waits for idle keep-alive sockets before it exits on SIGTERM; what the emulators hold is thrown away anyway.
async function stopGroup(child: ChildProcess, first: NodeJS.Signals, ms = 3_000): Promise<void> {
  if (!signalGroup(child, first)) return;
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!signalGroup(child, 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  signalGroup(child, "SIGKILL");
}

/** The service running now: the quick start's (kept from one document to the next) or one a block started. */
let service: (Running & { quickStart: boolean }) | undefined;
/** The process groups the current document started, background jobs included. */
let groups: ChildProcess[] = [];

const endsWithNpmStart = (script: string) => /(^|\s)npm start\s*$/.test(script.replace(/(^|\s)#.*$/gm, "").trim());

/** Starts a script whose last command is `npm start` and waits until the service answers /readyz. */
async function startService(script: string): Promise<void> {
  if (service !== undefined) await stopService();
  const running = spawnScript(script, sandbox.env);
  const quickStart = script === QUICK_START;
  if (!quickStart) groups.push(running.child);
  service = { ...running, quickStart };
  const deadline = Date.now() + 120_000;
  let exited = false;
  void running.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    const url = /taskdl is listening on (http:\/\/\S+)/.exec(running.output())?.[1];
    if (url !== undefined) {
      const ready = await fetch(`${url}/readyz`).then(
        (res) => res.status === 200,
        () => false,
      );
      if (ready) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  service = undefined;
  throw new Error(`the service did not start (and answer /readyz):\n${running.output()}`);
}

/** Ctrl-C, as in the terminal it runs in: the embedded PostgreSQL stops with it. */
async function stopService(): Promise<void> {
  if (service === undefined) return;
  const { child, exited, output } = service;
  service = undefined;
  signalGroup(child, "SIGINT");
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 30_000, "timeout")))]);
  clearTimeout(timer);
  assert.notEqual(code, "timeout", `the service did not stop on Ctrl-C:\n${output()}`);
}

async function endDocument(): Promise<void> {
  if (service?.quickStart === false) await stopService();
  for (const child of groups) await stopGroup(child, "SIGTERM");
  groups = [];
}

before(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "taskdl-docs-"));
  // As root, the embedded PostgreSQL runs as the postgres user, which must reach its folder.
  chmodSync(dataDir, 0o755);
  const ports = new Map<number, number>();
  for (const port of DOC_PORTS) ports.set(port, await freePort());
  const service = `http://127.0.0.1:${ports.get(3000)}`;
  sandbox = {
    dataDir,
    ports,
    env: { ...freshShellEnv(), DATA_DIR: dataDir, PORT: String(ports.get(3000)), TASKDL_URL: service },
    databases: [],
  };
});

after(async () => {
  await endDocument();
  await stopService();
  for (const database of sandbox?.databases ?? []) await database.drop();
  if (sandbox !== undefined) rmSync(sandbox.dataDir, { recursive: true, force: true });
});

const runnable = ALL.flatMap(({ blocks }) => shellBlocks(blocks)).filter((block) => block.tag === undefined);

test("the docs hold runnable commands (so the test below cannot pass by finding none)", () => {
  assert.ok(runnable.length >= 12, `found ${runnable.length}`);
  for (const doc of ["README.md", "docs/api.md", "docs/storage.md", "examples/README.md"]) {
    assert.ok(
      runnable.some((block) => block.doc === doc),
      `${doc} has a runnable block`,
    );
  }
});

for (const { doc, blocks } of ALL) {
  const mine = shellBlocks(blocks).filter((block) => block.tag === undefined);
  if (mine.length === 0) continue;
  test(`the commands of ${doc} run as written`, { timeout: 600_000 }, async (t) => {
    try {
      for (const block of mine) {
        const script = scriptOf(block);
        const firstLine = script.split("\n")[0] ?? "";
        await t.test(`${doc}:${block.line} ${firstLine.slice(0, 60)}`, async () => {
          const local = await localize(script);
          if (endsWithNpmStart(script)) {
            await startService(local);
            return;
          }
          if (service === undefined) await startService(QUICK_START);
          const { code, output, running } = await runToEnd(local, sandbox.env, 120_000);
          groups.push(running.child);
          assert.equal(code, 0, `${doc}:${block.line} exited with ${code}:\n${local}\n--- output ---\n${output}`);
        });
      }
    } finally {
      await endDocument();
    }
  });
}
