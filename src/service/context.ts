// What every `jailctl service` verb works on (the script, the state folder) and the wrapping of
// errors so each names the init script and instance it came from. Pure.
import { JailctlError } from '../errors.js';

export const DEFAULT_STATE_DIR = '/var/run/jailctl';
export const DEFAULT_INITD = '/etc/init.d';
export const DEFAULT_CONFIG_DIR = '/etc/config';

export interface ServiceContext {
  name: string;
  /** the folder of init scripts (default /etc/init.d) */
  initd: string;
  /** where started services keep their record, state and logs (default /var/run/jailctl) */
  stateDir: string;
  /** UCI packages for the scripts' config_load (default /etc/config) */
  configDir: string;
  /** enable/disable's S??NAME/K??NAME links (default: rc.d beside --initd, /etc/rc.d for /etc/init.d) */
  rcd?: string;
  /** hardening overlays, NAME.json (default /etc/jailctl) */
  overlayDir?: string;
  /** refuse a seccomp profile runc, crun or procd would accept with warnings */
  seccompStrict?: boolean;
}

const SERVICE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.@+-]*$/;

export function scriptPath(context: ServiceContext): string {
  if (!SERVICE_NAME.test(context.name)) {
    throw new JailctlError('USAGE', `service name "${context.name}": use the file name of a script in ${context.initd}`);
  }
  return `${context.initd.replace(/\/+$/, '')}/${context.name}`;
}

/** Re-throws a JailctlError with the script and instance in front of its message. */
export function inInstance<T>(script: string, instance: string, build: () => T): T {
  try {
    return build();
  } catch (err) {
    throw withInstance(script, instance, err);
  }
}

export async function inInstanceAsync<T>(script: string, instance: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw withInstance(script, instance, err);
  }
}

function withInstance(script: string, instance: string, err: unknown): unknown {
  if (!(err instanceof JailctlError) || err.message.startsWith('init script ')) return err;
  const { hint, path, syscall, errno, step } = err;
  return new JailctlError(err.code, `init script ${script}: instance "${instance}": ${err.message}`, {
    ...(hint !== undefined ? { hint } : {}), ...(path !== undefined ? { path } : {}), ...(syscall !== undefined ? { syscall } : {}),
    ...(errno !== undefined ? { errno } : {}), ...(step !== undefined ? { step } : {}), cause: err,
  });
}

export function requireRoot(verb: string): void {
  if (process.geteuid?.() !== 0) {
    throw new JailctlError('NOT_SUPPORTED', `jailctl service ${verb} needs root: namespaces, mounts and pivot_root need CAP_SYS_ADMIN`, {
      hint: `run it as root (sudo jailctl service NAME ${verb})`,
    });
  }
}
