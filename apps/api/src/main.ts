import { Logger } from '@nestjs/common';
import { exitWithParent, loadConfig } from '@trainyard/config';
import { createApiApp } from './create-api-app';

async function main() {
  exitWithParent();
  const config = loadConfig();
  const app = await createApiApp(config);
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
