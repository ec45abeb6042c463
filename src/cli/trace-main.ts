// `jailctl trace` on its own, bundled as CommonJS (dist/trace.cjs) and loaded by the bin
// (src/cli/entry-cjs.ts) without Node's ES module loader: a trace of a short program is mostly
// start-up, and the loader and the other commands' code are a large part of it.
import { restoreRawArgv } from '../io/raw-bytes.js';
import { registerTrace } from './commands/trace.js';
import { exitOnceFlushed, runCli } from './program.js';

// the bin has done it already; again for a trace.cjs started on its own (a second call finds
// the same bytes)
restoreRawArgv(); // arguments that are not UTF-8 keep their bytes
// every output file is written and synced when the command is done: no need to wait for Node
// to tear its heap down
void runCli(process.argv, { trace: registerTrace }).then(exitOnceFlushed);
