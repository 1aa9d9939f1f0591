import { Command, CommanderError } from 'commander';
import { SpecValidationError } from '@trainyard/contracts';
import { ApiError } from './api/api-client';
import { registerBenchCommand } from './commands/bench.command';
import { registerDataCommands } from './commands/data.command';
import { registerDemoCommand } from './commands/demo.command';
import { registerDownloadCommand } from './commands/download.command';
import { registerModelsCommand } from './commands/models.command';
import { registerQueueCommands } from './commands/queue.commands';
import { registerReportCommand } from './commands/report.command';
import { registerRosterCommands } from './commands/roster.command';
import { registerTrainCommand } from './commands/train.command';
import { WatchInterruptedError } from './commands/watch-runs';

// Start-up cost matters: every queue command is a short call. The command modules imported here
// load only commander, zod (the spec schema) and node's own modules; TF.js, ioredis and
// socket.io-client are imported inside the actions that need them (test/cli-start.e2e-spec.ts).
const program = new Command('trainyard')
  .description('Trainyard: the course\'s CNN experiments, trained locally or on the class queue')
  .showHelpAfterError();
registerModelsCommand(program);
registerTrainCommand(program);
registerReportCommand(program);
registerQueueCommands(program);
registerDownloadCommand(program);
registerRosterCommands(program);
registerDemoCommand(program);
registerBenchCommand(program);
registerDataCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  // Bad input is the user's to fix: one clear line, no stack trace.
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`trainyard: ${message}\n`);
  if (err instanceof WatchInterruptedError) process.exit(err.exitCode);
  process.exit(err instanceof SpecValidationError || (err instanceof ApiError && err.status === 400) ? 2 : 1);
});
