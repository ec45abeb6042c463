// The installed bin (dist/jailctl.cjs): the same as entry.ts, as CommonJS. A script entry in ES
// module form makes Node start its ES module loader, about 10 ms on a small router-class CPU
// and more than a cached jail takes to build; CommonJS only pays it on a miss, when the CLI
// (an ES module, dist/cli.mjs) is loaded anyway. `jailctl trace` never starts that loader: its
// own CommonJS bundle (dist/trace.cjs) holds all it needs, and is loaded with V8's code cache.
import { join } from 'node:path';
import { restoreRawArgv } from '../io/raw-bytes.js';
import { runFromPlanCache } from '../jail/plan-cache.js';
import { requireWithCodeCache } from './code-cache.js';

const cli = './cli.mjs'; // beside this file once bundled; a variable so nothing resolves it now
restoreRawArgv(); // arguments that are not UTF-8 keep their bytes
if (process.argv[2] === 'trace') requireWithCodeCache(join(__dirname, 'trace.cjs'), join(__dirname, 'trace.cjs.cache'));
else if (!runFromPlanCache()) void import(cli);
