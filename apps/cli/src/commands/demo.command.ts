import * as path from 'node:path';
import type { Command } from 'commander';
import { handleUnhandledRejections, loadConfig, runDetached } from '@trainyard/config';
import { SUITES } from '@trainyard/contracts';
import type * as RedisLib from '@trainyard/redis';
import { ApiClient } from '../api/api-client';
import { formatResultsTable } from '../output/results-table';
import { writeDemoRoster } from './demo-roster';
import { suiteOverrides } from './report.command';
import { startApiAndWorker, superviseServices, type ServiceProcess } from './service-process';
import { integer } from './spec-options';
import { reportRows, watchRuns } from './watch-runs';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('start Redis, the API and one worker, run the week2-mnist suite on the bundled digits, and keep serving')
    .option('--port <n>', 'API port (default: PORT, else 3000, else a free one)', integer)
    .option('--exit-when-done', 'stop everything after the results table (for scripts)')
    .action(async (flags: { port?: number; exitWhenDone?: boolean }) => {
      // ioredis loads only for the commands that start services (see main.ts).
      const { freePort, isPortFree, redactRedisUrl, resolveRedis } = await import('@trainyard/redis');
      const config = loadConfig();
      const say = (line: string) => process.stdout.write(`${line}\n`);
      // The demo runs for hours as the class's server: one stray rejection must not end it.
      handleUnhandledRejections((reason) => process.stderr.write(`trainyard demo: unhandled promise rejection (a bug; the demo goes on): ${String(reason)}\n`));
      const redis = await resolveRedis(config, { log: (m) => say(`redis: ${m}`) });
      const roster = config.rosterFile ? undefined : writeDemoRoster(config.home);
      const port = flags.port ?? (process.env.PORT ? config.port : (await portIfFree(isPortFree, 3000)) ?? (await freePort()));
      const env = {
        ...process.env,
        REDIS_URL: redis.url,
        PORT: String(port),
        ...(roster ? { CLASS_ROSTER: roster.file } : {}),
      };
      const logDir = path.join(config.home, 'logs');
      const services: ServiceProcess[] = [];
      let stopping = false;
      const shutdown = async (code: number) => {
        if (stopping) return;
        stopping = true;
        say('\nStopping the worker and the API…');
        await Promise.all(services.map((s) => s.stop()));
        await redis.stop();
        process.exit(code);
      };
      const stopOnSignal = () =>
        runDetached(
          () => shutdown(0),
          (err) => {
            process.stderr.write(`trainyard demo: stopping failed: ${String(err)}\n`);
            process.exit(1);
          },
        );
      process.on('SIGINT', stopOnSignal);
      process.on('SIGTERM', stopOnSignal);

      const admin = roster?.users.find((u) => u.role === 'admin');
      const student = roster?.users.find((u) => u.role === 'student');
      try {
        const url = await startApiAndWorker(env, port, logDir, services);
        say(`\nTrainyard is up (Redis ${redactRedisUrl(redis.url)}, ${redis.source}).`);
        say(`  Dashboard:   ${url}/`);
        say(`  API docs:    ${url}/api/docs`);
        say(`  Queue admin: ${url}/admin/queues (any user name, the TA token as password)`);
        say(`  Logs:        ${logDir}`);
        if (roster) {
          say(`  Tokens (demo roster ${roster.file}, new each run; only their hashes are stored):`);
          for (const u of roster.users) say(`    ${u.name.padEnd(9)} ${u.role.padEnd(8)} ${u.token}`);
          say(`  CLI: TRAINYARD_API=${url} TRAINYARD_TOKEN=${student!.token} node apps/cli/bin/trainyard.js list\n`);
        }
        if (!student) {
          say('CLASS_ROSTER is set: submit the suite yourself with `trainyard report week2-mnist --token <yours>`.');
        } else {
          const client = new ApiClient(url, student.token);
          const overrides = suiteOverrides(SUITES['week2-mnist'], { download: true });
          const { experiments } = await client.submitSuite('week2-mnist', overrides);
          say(`Submitted the week2-mnist suite as ${student.name}: ${experiments.length} runs.`);
          // The demo's own Ctrl-C handler stops its services; the watch needs none.
          const finals = await watchRuns(client, experiments, { detachOnInterrupt: false });
          const rows = reportRows(SUITES['week2-mnist'], experiments, finals);
          say(`\n${formatResultsTable(rows, `mnist-bundled, ${experiments[0].spec.epochs} epoch(s), on the queue`)}\n`);
          if (rows.some((r) => !r.result)) process.exitCode = 1;
        }
        if (flags.exitWhenDone) return await shutdown(Number(process.exitCode ?? 0));
        say(`Still serving at ${url}/ (TA token ${admin ? admin.token : 'from your roster'}). ${stopsWhat(redis.source)}`);
        // The demo is the class's server on one machine: it restarts a worker or an API that dies,
        // as a supervisor would, and the queue resumes the interrupted run from its checkpoint.
        await superviseServices(services, () => stopping, say);
      } catch (err) {
        process.stderr.write(`trainyard demo: ${err instanceof Error ? err.message : String(err)}\n`);
        await shutdown(1);
      }
    });
}

function stopsWhat(source: 'external' | 'started' | 'reused'): string {
  if (source === 'started') return 'Ctrl-C stops the API, the worker and the Redis this demo started.';
  return `Ctrl-C stops the API and the worker; the ${source === 'reused' ? 'private Redis another process started' : 'Redis at REDIS_URL'} keeps running.`;
}

async function portIfFree(isPortFree: typeof RedisLib.isPortFree, port: number): Promise<number | undefined> {
  return (await isPortFree(port)) ? port : undefined;
}
