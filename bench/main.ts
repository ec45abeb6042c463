// `npm run bench [-- GROUP...]`: every benchmark (or the named groups), peers measured in the same
// run, printed as one table. Groups: startup, memory, seccomp, syscall-cost, trace, failsafe, targets, harden.
import { runFailsafeBench } from './failsafe-bench.js';
import { runHardenBench } from './harden-bench.js';
import { runMemoryBench, runStartupBench } from './jail-bench.js';
import { runSeccompBench } from './seccomp-bench.js';
import { runSyscallCostBench } from './syscall-cost.js';
import { printTable, type Row } from './table.js';
import { runTargetsBench } from './targets-bench.js';
import { runTraceBench } from './trace-bench.js';

const GROUPS: Readonly<Record<string, () => Row[] | Promise<Row[]>>> = {
  startup: runStartupBench,
  memory: runMemoryBench,
  seccomp: async () => (await runSeccompBench()).map((r) => ({ bench: r.benchmark, subject: r.subject, value: `${r.value} ${r.unit}`, ...(r.note ? { note: r.note } : {}) })),
  'syscall-cost': runSyscallCostBench,
  trace: runTraceBench,
  failsafe: runFailsafeBench,
  targets: runTargetsBench,
  harden: runHardenBench,
};

async function main(): Promise<void> {
  if (process.geteuid?.() !== 0) {
    console.error('jailctl bench: needs root (jails, namespaces)');
    process.exit(1);
  }
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !Object.hasOwn(GROUPS, name));
  if (unknown.length > 0) {
    console.error(`jailctl bench: no benchmark group ${unknown.join(', ')}: the groups are ${Object.keys(GROUPS).join(', ')}`);
    process.exit(2);
  }
  const rows: Row[] = [];
  for (const [name, run] of Object.entries(GROUPS)) {
    if (asked.length === 0 || asked.includes(name)) rows.push(...(await run()));
  }
  printTable(rows);
}

await main();
