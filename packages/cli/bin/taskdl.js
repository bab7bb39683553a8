#!/usr/bin/env node
// The `taskdl` bin. In this repository it runs the TypeScript source (Node strips the types of files outside
// node_modules); the published package has no source, only the bundle made when it is packed (see build.ts).
import { existsSync } from "node:fs";

const source = new URL("../main.ts", import.meta.url);
await import(existsSync(source) ? source.href : new URL("../dist/taskdl.js", import.meta.url).href);
