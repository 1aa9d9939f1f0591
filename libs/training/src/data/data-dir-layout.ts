import { stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Where a file-backed data set was found under a data directory (see resolveMnistDir, resolveCifar10Dir). */
export interface ResolvedDataDir {
  /** The directory the set is read from; when nothing is found, the default one downloads go to. */
  dir: string;
  /** That directory relative to the data directory, as a user would write it: `mnist/`, `MNIST/raw/`, `./`. */
  layout: string;
  /** Every file of the set is there. */
  complete: boolean;
  /** Each file of the set (its canonical name) → the path found in `dir` (plain or a variant such as `.gz`); undefined: missing. */
  files: Record<string, string | undefined>;
  /** Every directory looked in, in the order tried. */
  searched: string[];
}

export interface Layout {
  /** Relative to the data directory, '' for the data directory itself. */
  subdir: string;
}

const isFile = (path: string) => stat(path).then((s) => s.isFile(), () => false);

/**
 * Tries each layout in order. The first that holds the whole set wins; failing that, the first
 * that holds some of it (a download then fills in the rest there, and its errors name that
 * place); failing that, the first layout, the one downloads create. `variants(name)` lists the
 * file names accepted for one file of the set, in order of preference.
 */
export async function resolveLayout(
  dataDir: string,
  layouts: readonly Layout[],
  names: readonly string[],
  variants: (name: string) => string[] = (name) => [name],
): Promise<ResolvedDataDir> {
  const found: ResolvedDataDir[] = [];
  for (const { subdir } of layouts) {
    const dir = join(dataDir, subdir);
    const files: Record<string, string | undefined> = {};
    for (const name of names) {
      files[name] = undefined;
      for (const variant of variants(name)) {
        if (await isFile(join(dir, variant))) {
          files[name] = join(dir, variant);
          break;
        }
      }
    }
    const complete = names.every((name) => files[name] !== undefined);
    found.push({ dir, layout: subdir ? `${subdir}/` : './', complete, files, searched: [] });
    if (complete) break;
  }
  const searched = found.map((f) => f.dir);
  const chosen = found.find((f) => f.complete) ?? found.find((f) => Object.values(f.files).some(Boolean)) ?? found[0];
  return { ...chosen, searched };
}
