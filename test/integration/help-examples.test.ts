// As root: every Examples block of every --help runs as written (each as one `sh -e` script, in
// a sandbox: test/helpers/example-sandbox.ts), from a checkout set up by the README.
import t from 'tap';
import { EXAMPLES } from '../../src/cli/examples.js';
import { runInSandbox, sandboxProblem } from '../helpers/example-sandbox.js';
import { jailctl } from '../helpers/jailctl.js';

const problem = sandboxProblem();
if (problem !== undefined) t.plan(0, problem);

for (const path of Object.keys(EXAMPLES)) {
  t.test(`jailctl ${path} --help: the examples run`, async (t) => {
    const help = jailctl([...(path === '' ? [] : path.split(' ')), '--help']).stdout;
    const block = /\nExamples:\n((?: {2}.*\n?)+)$/.exec(help)?.[1];
    if (block === undefined) return t.fail('no Examples block');
    const script = block.split('\n').map((l) => l.slice(2)).join('\n');
    const r = runInSandbox(script);
    t.equal(r.status, 0, `${script}\n--- stdout\n${r.stdout.slice(-2000)}\n--- stderr\n${r.stderr.slice(-2000)}`);
  });
}
