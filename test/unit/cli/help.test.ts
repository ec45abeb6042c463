// Every command's --help: exits 0, ends with an Examples block; `jailctl help A B` is the help
// of `A B`; run --help gives the exit statuses. (test/integration/help-examples.test.ts runs
// the examples.)
import t from 'tap';
import { expandHelpCommand } from '../../../src/cli/examples.js';
import { jailctl } from '../../helpers/jailctl.js';

/** OpenWrt's own tools, emulated for init scripts: their --help is the tool's usage, as on OpenWrt. */
const TOOLS = ['uci', 'jshn', 'validate-data'];

/** The subcommands a help page lists under "Commands:" (without "help" and the tools). */
function subcommands(help: string): string[] {
  const section = /\nCommands:\n([\s\S]*?)(?:\n\n|$)/.exec(help)?.[1] ?? '';
  return section.split('\n').filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim().split(/\s+/)[0]!).filter((name) => name !== 'help' && !TOOLS.includes(name));
}

function allCommands(path: string[] = []): string[][] {
  const r = jailctl([...path, '--help']);
  return [path, ...subcommands(r.stdout).flatMap((name) => allCommands([...path, name]))];
}

const COMMANDS = allCommands();

t.test('the command tree is what the examples cover', async (t) => {
  t.same(COMMANDS.map((p) => p.join(' ')).sort(), [
    '', 'failsafe', 'failsafe consume-flag', 'failsafe keygen', 'failsafe listen', 'failsafe trigger',
    'profile', 'profile check', 'profile compile', 'profile diff', 'profile disasm', 'profile explain', 'profile merge',
    'run', 'service', 'trace',
  ]);
});

t.test('every --help exits 0 and ends with examples that call jailctl', async (t) => {
  for (const path of COMMANDS) {
    const r = jailctl([...path, '--help']);
    const name = `jailctl ${path.join(' ')} --help`;
    t.equal(r.code, 0, name);
    t.equal(r.stderr, '', `${name}: nothing on stderr`);
    const block = /\nExamples:\n((?: {2}.*\n?)+)$/.exec(r.stdout)?.[1];
    t.ok(block, `${name} ends with an Examples block`);
    t.ok(block?.split('\n').some((l) => l.startsWith(`  jailctl ${path.join(' ')}`.trimEnd())), `${name}: an example of this very command`);
  }
});

t.test('jailctl help A B shows the help of A B', async (t) => {
  for (const path of COMMANDS.filter((p) => p.length > 0)) {
    t.equal(jailctl(['help', ...path]).stdout, jailctl([...path, '--help']).stdout, `help ${path.join(' ')}`);
  }
  t.equal(jailctl(['profile', 'help', 'diff']).stdout, jailctl(['profile', 'diff', '--help']).stdout, 'profile help diff');
  t.match(jailctl(['help']).stdout, /^Usage: jailctl \[options\] \[command\]/, 'help alone: the program');
});

t.test('expandHelpCommand()', async (t) => {
  const argv = (...words: string[]) => ['node', 'jailctl', ...words];
  t.same(expandHelpCommand(argv('help', 'profile', 'diff')), argv('profile', 'diff', '--help'));
  t.same(expandHelpCommand(argv('failsafe', 'help', 'listen')), argv('failsafe', 'listen', '--help'));
  t.same(expandHelpCommand(argv('help')), argv('help'), 'commander shows the program help');
  t.same(expandHelpCommand(argv('service', 'help', 'start')), argv('service', 'help', 'start'), 'a service may be called help');
  t.same(expandHelpCommand(argv('run', '--', 'help', 'x')), argv('run', '--', 'help', 'x'));
});

t.test('run --help gives the exit statuses; failsafe --help points at a shipped page', async (t) => {
  const run = jailctl(['run', '--help']).stdout;
  for (const status of [/128\+N/, /\b125\b/, /\b126\b/, /\b127\b/]) t.match(run, status);
  t.match(jailctl(['failsafe', '--help']).stdout, /docs\/failsafe\.md/);
  t.notMatch(jailctl(['failsafe', '--help']).stdout, /FAILSAFE\.md/);
});
