import type { Command } from 'commander';
import { ApiClient } from '../api/api-client';

export interface ApiFlags {
  api?: string;
  token?: string;
}

export const DEFAULT_API = 'http://127.0.0.1:3000';

/** --api / --token, falling back to TRAINYARD_API / TRAINYARD_TOKEN. */
export function apiOptions(cmd: Command): Command {
  return cmd
    .option('--api <url>', `Trainyard API address (default: TRAINYARD_API or ${DEFAULT_API})`)
    .option('--token <token>', 'your access token (default: TRAINYARD_TOKEN)');
}

export function apiClient(flags: ApiFlags): ApiClient {
  const token = flags.token ?? process.env.TRAINYARD_TOKEN;
  if (!token) throw new Error('no token: pass --token or set TRAINYARD_TOKEN (your TA gives you one; `npm run demo` prints demo tokens)');
  return new ApiClient(flags.api ?? process.env.TRAINYARD_API ?? DEFAULT_API, token);
}
