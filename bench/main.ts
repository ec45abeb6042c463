// `npm run bench`: every benchmark, peers measured in the same run, printed as one table.
import { runFailsafeBench } from './failsafe-bench.js';
import { runMemoryBench, runStartupBench } from './jail-bench.js';
import { runSeccompBench } from './seccomp-bench.js';
import { runSyscallCostBench } from './syscall-cost.js';
import { printTable, type Row } from './table.js';
import { runTargetsBench } from './targets-bench.js';
import { runTraceBench } from './trace-bench.js';

async function main(): Promise<void> {
  if (process.geteuid?.() !== 0) {
    console.error('jailctl bench: needs root (jails, namespaces)');
    process.exit(1);
  }
  const rows: Row[] = [...runStartupBench(), ...(await runMemoryBench())];
  for (const r of await runSeccompBench()) {
    rows.push({ bench: r.benchmark, subject: r.subject, value: `${r.value} ${r.unit}`, ...(r.note ? { note: r.note } : {}) });
  }
  rows.push(...runSyscallCostBench());
  rows.push(...(await runTraceBench()));
  rows.push(...(await runFailsafeBench()));
  rows.push(...runTargetsBench());
  printTable(rows);
}

await main();
