// Carrying out a launch plan: encode it, then become the native launcher. Node does not stay
// resident beside the service: the launcher (a small static executable) replaces this process,
// keeps its pid, supervises the jail and exits with the service's status.
import { JailctlError, isErrnoError } from '../errors.js';
import type { LaunchPlan } from '../jail/plan.js';
import { addonPath, launcherPath, loadAddon } from './binding.js';
import { encodeLaunchPlan } from './plan-codec.js';

export { encodeLaunchPlan } from './plan-codec.js';

/** Never returns: on success this process becomes the launcher. `beforeExec` sees the encoded
 * plan and where the addon and launcher are (the plan cache stores them). */
export function execLaunchPlan(plan: LaunchPlan, beforeExec?: (bytes: Uint8Array, addon: string, launcher: string) => void): never {
  const bytes = encodeLaunchPlan(plan);
  const path = launcherPath();
  try {
    const native = loadAddon();
    beforeExec?.(bytes, addonPath(), path);
    return native.execLauncher(path, bytes);
  } catch (err) {
    throw new JailctlError('JAIL_SETUP_FAILED', `cannot start the launcher ${path}: ${(err as Error).message}`, {
      path,
      ...(isErrnoError(err) && err.code !== undefined ? { errno: err.code } : {}),
      cause: err,
    });
  }
}
