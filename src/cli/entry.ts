// The bin's entry: a repeated `jailctl run` whose plan is cached and still valid becomes the
// launcher from here, before the CLI (commander, planners, profile tables) is loaded at all.
import { runFromPlanCache } from '../jail/plan-cache.js';

if (!runFromPlanCache()) await import('./main.js');
