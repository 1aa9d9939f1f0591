import { Command, CommanderError } from 'commander';
import { registerBenchCommand } from './commands/bench.command';
import { registerDataCommands } from './commands/data.command';
import { registerDemoCommand } from './commands/demo.command';
import { registerDownloadCommand } from './commands/download.command';
import { registerModelsCommand } from './commands/models.command';
import { registerQueueCommands } from './commands/queue.commands';
import { registerReportCommand } from './commands/report.command';
import { registerRosterCommands } from './commands/roster.command';
import { registerTrainCommand } from './commands/train.command';
import { exitCodeFor } from './exit-code';

// Start-up cost matters: every queue command is a short call. The command modules imported here
// load only commander, zod (the spec schema) and node's own modules; TF.js, ioredis and
// socket.io-client are imported inside the actions that need them (test/cli-start.e2e-spec.ts).
// A mistake on the command line gets one line, in the form of every other error here
// (`trainyard: …`); commander's own help after an error buried it under ~35 lines of options.
// Subcommands inherit both settings (they are copied when each command is created).
const program = new Command('trainyard')
  .description('Trainyard: the course\'s CNN experiments, trained locally or on the class queue')
  .configureOutput({ outputError: (text, write) => write(`trainyard: ${text.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')}\n`) })
  .exitOverride();
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
  // A value of the wrong kind (`--lr abc`) is an invalid spec, like one the schema refuses: exit 2.
  if (err instanceof CommanderError) process.exit(err.code === 'commander.invalidArgument' ? 2 : err.exitCode);
  // Bad input is the user's to fix: one clear line, no stack trace.
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`trainyard: ${message}\n`);
  process.exit(exitCodeFor(err));
});
