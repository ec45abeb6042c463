// `npm run bench`: every benchmark, peers measured in the same run, printed as one table.
import { runMemoryBench, runStartupBench } from './jail-bench.js';
import { printTable, type Row } from './table.js';

async function main(): Promise<void> {
  if (process.geteuid?.() !== 0) {
    console.error('jailctl bench: needs root (jails, namespaces)');
    process.exit(1);
  }
  const rows: Row[] = [...runStartupBench(), ...(await runMemoryBench())];
  printTable(rows);
}

await main();
