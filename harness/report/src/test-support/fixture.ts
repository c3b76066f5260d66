// The real result-set fixture (a tiny `wsarena run` copied into fixtures/) and a helper to copy it somewhere writable.
import { cpSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** harness/report/fixtures/real: a small real result set, measurement files and run.json only. */
export const REAL_FIXTURE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../fixtures/real");

/** Copies the real fixture's JSON files to `dest` (reports write into their result set; fixtures stay untouched). */
export function copyFixture(dest: string): string {
  // Judged on the path inside the fixture: a checkout under a folder named "charts" would otherwise copy nothing.
  cpSync(REAL_FIXTURE_DIR, dest, { recursive: true, filter: (src) => !/report\.(html|md)$|(^|[/\\])charts([/\\]|$)/.test(relative(REAL_FIXTURE_DIR, src)) });
  return dest;
}
