import { Command, CommanderError } from 'commander';
import { SpecValidationError } from '@trainyard/contracts';
import { ApiError } from './api/api-client';
import { registerBenchCommand } from './commands/bench.command';
import { registerDemoCommand } from './commands/demo.command';
import { registerModelsCommand } from './commands/models.command';
import { registerQueueCommands } from './commands/queue.commands';
import { registerReportCommand } from './commands/report.command';
import { registerRosterCommands } from './commands/roster.command';
import { registerTrainCommand } from './commands/train.command';

const program = new Command('trainyard')
  .description('Trainyard: the course\'s CNN experiments, trained locally or on the class queue')
  .showHelpAfterError();
registerModelsCommand(program);
registerTrainCommand(program);
registerReportCommand(program);
registerQueueCommands(program);
registerRosterCommands(program);
registerDemoCommand(program);
registerBenchCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  // Bad input is the user's to fix: one clear line, no stack trace.
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`trainyard: ${message}\n`);
  process.exit(err instanceof SpecValidationError || (err instanceof ApiError && err.status === 400) ? 2 : 1);
});
