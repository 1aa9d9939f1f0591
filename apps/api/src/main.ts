import { Logger } from '@nestjs/common';
import { exitIfShutdownHangs, exitWithParent, handleUnhandledRejections, loadConfig } from '@trainyard/config';

/** How long a SIGTERM's drain may take before the API exits without finishing it (ms). */
const API_SHUTDOWN_DEADLINE_MS = 30_000;
import { createApiApp } from './create-api-app';

async function main() {
  exitWithParent();
  const processLog = new Logger('Process');
  handleUnhandledRejections((reason) =>
    processLog.error(`Unhandled promise rejection (a bug; the API goes on): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`),
  );
  const config = loadConfig();
  const app = await createApiApp(config);
  // SIGTERM drains: Nest stops the HTTP server (in-flight requests finish), socket.io closes every
  // socket with "transport close", which clients answer by reconnecting (to another instance, or
  // to this one once restarted) and subscribing again by seq; then exit 0 (Nest's default
  // re-raises the signal, which supervisors report as a crash).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  process.once('SIGTERM', () => new Logger('Trainyard').log('SIGTERM: draining HTTP and sockets, then exiting'));
  // Draining closes Redis clients too, which wait forever while Redis is unreachable.
  exitIfShutdownHangs(API_SHUTDOWN_DEADLINE_MS, (message) => new Logger('Trainyard').error(message));
  await app.listen(config.port, config.host);
  // getUrl() names the bound address; a wildcard bind is reachable here as localhost.
  const url = (await app.getUrl()).replace(/\/\/(\[::\]|0\.0\.0\.0|\[::1\])/, '//localhost');
  new Logger('Trainyard').log(`API listening on ${url} (docs ${url}/api/docs, queue admin ${url}/admin/queues)`);
  // Also on stdout as a plain line, for people and for scripts that wait for it.
  process.stdout.write(`Trainyard API: ${url}\n`);
}

main().catch((err) => {
  process.stderr.write(`trainyard api: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
