// `jailctl trace` on its own, bundled as CommonJS (dist/trace.cjs) and loaded by the bin
// (src/cli/entry-cjs.ts) without Node's ES module loader: a trace of a short program is mostly
// start-up, and the loader and the other commands' code are a large part of it.
import { registerTrace } from './commands/trace.js';
import { runCli } from './program.js';

void runCli(process.argv, { trace: registerTrace });
