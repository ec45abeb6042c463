// `jailctl failsafe listen` (edge): reads the configuration once (key material stays masked),
// makes the key on first start, decides every option of the failsafe daemon and becomes it
// (native/failsafe/, a small static C program: Node does not stay resident beside it).
import { networkInterfaces } from 'node:os';
import { JailctlError } from '../errors.js';
import { failsafeDaemonPath, loadAddon } from '../native/binding.js';
import { findLanAddresses, resolveListenerConfig, type ListenFlags } from './config.js';
import { buildDaemonArgv } from './daemon-argv.js';
import { resolveFlagPath } from './flag.js';
import { failsafeSection, generateKey, readUciFile } from './keystore.js';
import { wipeSecrets } from './secret-uci.js';

export interface ListenContext {
  flags: ListenFlags;
  /** argv that runs jailctl itself (the RESCUE helper is `jailctl failsafe rescue-run`) */
  self: string[];
  /** print the daemon's command instead of running it; writes nothing (no key is made) */
  dryRun: boolean;
  log: (line: string) => void;
}

/**
 * The daemon's argv. Settings are checked before anything is written; a key is created only in
 * an existing file that has none (FAILSAFE.md: the listener makes it on first start), so a
 * mistyped --config creates nothing.
 */
export function prepareDaemon(ctx: ListenContext): string[] {
  const file = ctx.flags.config;
  const masked = readUciFile(file);
  if (masked === undefined) {
    throw new JailctlError('PATH_MISSING', `--config ${file}: no such file`, { path: file, hint: `create the key with \`jailctl failsafe keygen --config ${file}\`` });
  }
  try {
    const section = failsafeSection(masked.doc);
    const config = resolveListenerConfig(section, ctx.flags, (ifaces) => findLanAddresses(ifaces, networkInterfaces()));
    const flagPath = config.failsafeEnabled ? resolveFlagPath(config.flagPath) : undefined;
    const argv = buildDaemonArgv(failsafeDaemonPath(), config, flagPath, ctx.self);
    if (section?.options.get('key') === undefined && !ctx.dryRun) {
      const { devId } = generateKey(file, false);
      ctx.log(`failsafe: no key in ${file}; created one (dev_id ${devId.toString('hex')})`);
    }
    return argv;
  } finally {
    wipeSecrets(masked);
  }
}

/** Becomes the daemon; returns only by throwing. */
export function execDaemon(argv: string[]): never {
  const addon = loadAddon();
  const env = Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ''}`);
  try {
    return addon.execProgram(argv[0]!, argv, env);
  } catch (err) {
    throw new JailctlError('IO_FAILED', `cannot start the failsafe daemon ${argv[0]}: ${(err as Error).message}`, { path: argv[0]!, cause: err, hint: 'run `npm run build:native`' });
  }
}
