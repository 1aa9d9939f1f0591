import type { Command } from 'commander';

export function registerModelsCommand(program: Command): void {
  program
    .command('models')
    .description('list the course models with their trainable parameter counts')
    .option('--json', 'one JSON array of {name, params}')
    .action(async (opts: { json?: boolean }) => {
      // TF.js loads here, not at start-up: most commands never need it (see main.ts).
      const [tf, { buildModel, COURSE_MODELS, countParams }] = await Promise.all([import('@tensorflow/tfjs'), import('@trainyard/training')]);
      // The cpu backend's first use prints TF.js's "install our node backend" banner on stderr;
      // counting parameters needs no speed, so production mode (TF.js's switch for its
      // warnings) keeps stderr for real problems.
      tf.enableProdMode();
      await tf.setBackend('cpu');
      const rows = COURSE_MODELS.map(({ name, spec }) => {
        const model = buildModel(spec);
        try {
          return { name, params: countParams(model) };
        } finally {
          model.dispose();
        }
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows)}\n`);
        return;
      }
      const width = Math.max(...rows.map((r) => r.name.length));
      for (const r of rows) process.stdout.write(`${r.name.padEnd(width)}  ${r.params.toLocaleString('en-US').padStart(11)}\n`);
    });
}
