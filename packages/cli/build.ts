/**
 * Builds what `@taskdl/cli` publishes: one JavaScript file, `dist/taskdl.js`,
 * bundled by esbuild from `main.ts` with `@taskdl/client`, `@taskdl/contract`
 * and zod inside it. Node strips types only outside `node_modules`, so an
 * installed copy of the TypeScript would not run; the bundle runs on any
 * Node ≥ 22.18 and needs no dependency installed. `npm pack` runs it
 * (`prepack`), and `postpack` removes it again (`--clean`), so the
 * workspace always runs the source. `--outfile PATH` writes the bundle
 * elsewhere (the pull benchmark measures what users install).
 *
 * @module
 */
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const { values } = parseArgs({ options: { clean: { type: "boolean" }, outfile: { type: "string" } }, strict: true });

if (values.clean === true) {
  rmSync(here("./dist"), { recursive: true, force: true });
} else {
  await build({
    entryPoints: [here("./main.ts")],
    outfile: values.outfile ?? here("./dist/taskdl.js"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minify: false,
    legalComments: "eof",
    logLevel: "warning",
  });
}
