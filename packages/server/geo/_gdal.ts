import { execFileSync, spawnSync } from "node:child_process";

/** Why the GDAL tests skip, or `false` when Debian's `gdal-bin` is installed (CI installs it). */
export const NO_GDAL: string | false =
  spawnSync("gdalinfo", ["--version"]).status === 0 ? false : "gdal-bin is not installed (apt-get install gdal-bin)";

/**
 * Runs one GDAL command line tool (`gdal_create`, `gdal_translate`, `gdalinfo` …) and gives its standard output.
 *
 * @param tool The program.
 * @param args Its arguments.
 * @returns What it printed.
 */
export function gdal(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}
