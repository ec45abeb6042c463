// `npm run bench`: every benchmark, peers measured in the same run, printed as one table.
// `npm run bench -- trace` (or startup, memory, seccomp, syscall, failsafe) runs only those named.
import { runFailsafeBench } from './failsafe-bench.js';
import { runMemoryBench, runStartupBench } from './jail-bench.js';
import { runSeccompBench } from './seccomp-bench.js';
import { runSyscallCostBench } from './syscall-cost.js';
import { printTable, type Row } from './table.js';
import { runTargetsBench } from './targets-bench.js';
import { runTraceBench } from './trace-bench.js';

const BENCHES: Record<string, () => Row[] | Promise<Row[]>> = {
  startup: runStartupBench,
  memory: runMemoryBench,
  seccomp: async () =>
    (await runSeccompBench()).map((r) => ({ bench: r.benchmark, subject: r.subject, value: `${r.value} ${r.unit}`, ...(r.note ? { note: r.note } : {}) })),
  syscall: runSyscallCostBench,
  trace: runTraceBench,
  failsafe: runFailsafeBench,
  targets: runTargetsBench,
};

async function main(): Promise<void> {
  if (process.geteuid?.() !== 0) {
    console.error('jailctl bench: needs root (jails, namespaces)');
    process.exit(1);
  }
  const chosen = process.argv.slice(2);
  const unknown = chosen.filter((name) => !(name in BENCHES));
  if (unknown.length > 0) {
    console.error(`jailctl bench: unknown benchmark ${unknown.join(', ')} (known: ${Object.keys(BENCHES).join(', ')})`);
    process.exit(1);
  }
  const rows: Row[] = [];
  for (const [name, run] of Object.entries(BENCHES)) if (chosen.length === 0 || chosen.includes(name)) rows.push(...(await run()));
  printTable(rows);
}

await main();
