/**
 * The first preload of `npm start`: turns on Node's module compile cache
 * before any TypeScript is loaded. With it, a start after the first reads
 * each `.ts` file's stripped source and V8 code from the cache instead of
 * stripping and compiling it again, so Node never loads its type stripper
 * (about 20 MB resident for the process's life) and starts faster.
 *
 * JavaScript, not TypeScript, for that reason alone: a `.ts` preload would
 * be stripped before it could turn the cache on. The cache is in
 * `NODE_COMPILE_CACHE` when set, otherwise Node's default,
 * `os.tmpdir()/node-compile-cache`; entries are keyed by each file's
 * content, so an edit is never served stale. Node never throws here: with
 * no writable directory the service starts as before, only without the
 * cache. `NODE_DISABLE_COMPILE_CACHE=1` turns it off.
 *
 * @module
 */
import { enableCompileCache } from "node:module";

enableCompileCache();
