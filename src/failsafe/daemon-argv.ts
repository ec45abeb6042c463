// The failsafe daemon's command line (native/failsafe/options.c), decided here so that the
// daemon decides nothing: explicit addresses, the flag, the reboot path, the window and the
// RESCUE helper. Pure: a resolved ListenerConfig in, argv out.
import { isIPv6 } from 'node:net';
import type { ListenerConfig, RescueConfig, UdpBinding } from './config.js';

/** `ADDR:PORT`, `[V6ADDR]:PORT` */
export function formatUdpBinding(binding: UdpBinding): string {
  return isIPv6(binding.address) ? `[${binding.address}]:${binding.port}` : `${binding.address}:${binding.port}`;
}

/**
 * The command the daemon runs for RESCUE, before the ALLOWED_IPV4 PORT SECONDS it appends:
 * `jailctl failsafe rescue-run`, which makes the firewall rules and runs the jailed service.
 */
export function buildRescueHelperArgv(self: readonly string[], rescue: RescueConfig): string[] {
  return [...self, 'failsafe', 'rescue-run', '--rescue-cmd', rescue.command.join(' '), ...rescue.jailOptions.flatMap((o) => ['--rescue-jail', o])];
}

/** argv[0] is the daemon itself; `flagPath` is the resolved flag (needed when FAILSAFE_REBOOT is on). */
export function buildDaemonArgv(daemon: string, config: ListenerConfig, flagPath: string | undefined, self: readonly string[]): string[] {
  const argv = [daemon, '--config', config.configPath];
  for (const binding of config.udp) argv.push('--udp', formatUdpBinding(binding));
  for (const iface of config.ifaces) argv.push('--iface', iface);
  if (config.failsafeEnabled && flagPath !== undefined) argv.push('--flag', flagPath);
  else argv.push('--no-failsafe-action');
  if (config.rebootFifo !== undefined) argv.push('--reboot-fifo', config.rebootFifo);
  else argv.push('--reboot-cmd', config.rebootCmd);
  if (config.windowMs !== undefined) argv.push('--window', String(config.windowMs));
  if (config.rescue !== undefined) argv.push('--', ...buildRescueHelperArgv(self, config.rescue));
  return argv;
}

/** Words for a POSIX shell (`eval "set -- $(...)"`): bare when safe, else single-quoted. */
export function quoteShellWords(words: readonly string[]): string {
  return words.map((w) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`)).join(' ');
}
