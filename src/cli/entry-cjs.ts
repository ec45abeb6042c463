// The installed bin (dist/jailctl.cjs): the same as entry.ts, as CommonJS. A script entry in ES
// module form makes Node start its ES module loader, about 10 ms on a small router-class CPU
// and more than a cached jail takes to build; CommonJS only pays it on a miss, when the CLI
// (an ES module, dist/cli.mjs) is loaded anyway. `jailctl trace` never starts that loader: its
// own CommonJS bundle (dist/trace.cjs) holds all it needs.
import { runFromPlanCache } from '../jail/plan-cache.js';

// beside this file once bundled; variables so that nothing resolves them now
const cli = './cli.mjs';
const trace = './trace.cjs';
if (process.argv[2] === 'trace') require(trace);
else if (!runFromPlanCache()) void import(cli);
