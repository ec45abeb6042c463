// The bin's entry: a repeated `jailctl run` whose plan is cached and still valid becomes the
// launcher from here, before the CLI (commander, planners, profile tables) is loaded at all.
import { restoreRawArgv } from '../io/raw-bytes.js';
import { runFromPlanCache } from '../jail/plan-cache.js';

restoreRawArgv(); // arguments that are not UTF-8 keep their bytes
if (!runFromPlanCache()) await import('./main.js');
