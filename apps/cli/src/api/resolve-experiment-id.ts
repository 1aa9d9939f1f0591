import { WHOLE_EXPERIMENT_ID, type ExperimentView } from '@trainyard/contracts';

/** A prefix no run matches, or more than one does: the user picks a longer one. */
export class ExperimentIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExperimentIdError';
  }
}

/**
 * Turns what the user typed (a whole id, or any unique prefix such as the 8-character short id the
 * dashboard and `trainyard list` show) into a whole id. Prefixes are matched against the caller's
 * own list (`GET /api/experiments`: a student's own runs, an admin's everyone's), so a student can
 * neither reach nor learn of another student's run through a prefix.
 *
 * Throws ExperimentIdError when no run matches, or when several do (naming each, up to 10).
 */
export async function resolveExperimentId(typed: string, list: () => Promise<ExperimentView[]>): Promise<string> {
  const prefix = typed.trim().toLowerCase();
  if (WHOLE_EXPERIMENT_ID.test(prefix)) return prefix;
  if (!prefix) throw new ExperimentIdError('give an experiment id (or the start of one, as `trainyard list` shows it)');
  const matches = (await list()).filter((e) => e.id.toLowerCase().startsWith(prefix));
  if (matches.length === 1) return matches[0].id;
  if (matches.length === 0) throw new ExperimentIdError(`no experiment of yours has an id starting with "${typed}" (see \`trainyard list\`)`);
  const shown = matches.slice(0, 10).map((e) => `  ${e.id}  ${e.status.padEnd(9)}  ${e.spec.name ?? e.spec.model.type}  ${e.createdAt}`);
  const more = matches.length > 10 ? [`  … and ${matches.length - 10} more`] : [];
  throw new ExperimentIdError(`"${typed}" matches ${matches.length} experiments; give more of the id:\n${[...shown, ...more].join('\n')}`);
}
