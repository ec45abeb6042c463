// `npm run bench [-- NAME]`: every benchmark (or the one named), peers measured in the same run, printed as one table.
import { runFailsafeBench } from './failsafe-bench.js';
import { runHardenBench } from './harden-bench.js';
import { runMemoryBench, runStartupBench } from './jail-bench.js';
import { runSeccompBench } from './seccomp-bench.js';
import { runSyscallCostBench } from './syscall-cost.js';
import { printTable, type Row } from './table.js';
import { runTraceBench } from './trace-bench.js';

async function main(): Promise<void> {
  if (process.geteuid?.() !== 0) {
    console.error('jailctl bench: needs root (jails, namespaces)');
    process.exit(1);
  }
  const only = process.argv[2];
  const benches: Record<string, () => Promise<Row[]> | Row[]> = {
    startup: runStartupBench,
    memory: runMemoryBench,
    seccomp: async () => (await runSeccompBench()).map((r) => ({ bench: r.benchmark, subject: r.subject, value: `${r.value} ${r.unit}`, ...(r.note ? { note: r.note } : {}) })),
    'syscall-cost': runSyscallCostBench,
    trace: runTraceBench,
    failsafe: runFailsafeBench,
    harden: runHardenBench,
  };
  if (only !== undefined && benches[only] === undefined) {
    console.error(`jailctl bench: no benchmark "${only}"; there are ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  const rows: Row[] = [];
  for (const [name, run] of Object.entries(benches)) if (only === undefined || only === name) rows.push(...(await run()));
  printTable(rows);
}

await main();
