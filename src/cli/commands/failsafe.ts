// `jailctl failsafe keygen|listen|trigger|consume-flag` (FAILSAFE.md "Modes"), and the hidden
// `rescue-run` the failsafe daemon starts for RESCUE: flags -> context -> one call into
// src/failsafe, loaded with import() on use. Errors end as one line through output.ts.
import { Command, Option } from 'commander';
import { JailctlError } from '../../errors.js';
import type { ListenFlags } from '../../failsafe/config.js';
import { exitCodeFor } from '../exit-codes.js';
import { fail } from '../output.js';
import { collect, parseInteger } from '../parse.js';

/** trigger: no ACK OK; consume-flag: not set (normal boot); listen --window: not triggered */
const EXIT_NO = 1;
/** keystore.DEFAULT_CONFIG, repeated here so that --help loads no failsafe module */
const DEFAULT_CONFIG = '/etc/config/system';

interface TriggerFlags {
  action: 'failsafe' | 'rescue';
  key?: string;
  keyFile?: string;
  config?: string;
  iface?: string;
  allow?: string;
  rescuePort: number;
  seconds: number;
  timeout: number;
}

/** Async actions end here: commander's parse() does not see their rejections. */
function guarded<A extends unknown[]>(body: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    let code: number;
    try {
      code = await body(...args);
    } catch (err) {
      fail(err, exitCodeFor(err));
    }
    process.exit(code);
  };
}

const line = (stream: NodeJS.WriteStream) => (text: string) => stream.write(`${text}\n`);

function registerKeygen(failsafe: Command): void {
  failsafe
    .command('keygen')
    .description('create the device key (32 bytes from the kernel CSPRNG) in the UCI file, atomically')
    .option('--config <file>', 'UCI file holding the key', DEFAULT_CONFIG)
    .option('--rotate', 'replace an existing key')
    .action(guarded(async (flags: { config: string; rotate?: boolean }) => {
      const { generateKey } = await import('../../failsafe/keystore.js');
      const { devId, replaced } = generateKey(flags.config, flags.rotate === true);
      line(process.stdout)(`failsafe: ${replaced ? 'replaced the key' : 'new key written'} in ${flags.config} (dev_id ${devId.toString('hex')})`);
      return 0;
    }));
}

function registerListen(failsafe: Command): void {
  failsafe
    .command('listen')
    .description('wait for an authenticated trigger over UDP and/or raw 0x88B5 frames')
    .option('--config <file>', 'UCI file holding the key and settings', DEFAULT_CONFIG)
    .option('--udp <[addr:]port>', 'UDP port, bound to ADDR or to the IPv4 addresses of the ifname interfaces; 0 disables UDP')
    .option('--iface <name>', 'raw frames (EtherType 0x88B5) on this interface; repeatable', collect, [])
    .option('--flag <path>', 'the flag region (default: the mtd partition named failsafe-flag)')
    .option('--reboot-cmd <cmd>', 'run after the flag is set and verified (default: reboot; empty: none)')
    .option('--reboot-fifo <path>', 'instead of running the reboot command, write "reboot" into this FIFO, whose reader outside the jail reboots')
    .addOption(new Option('--window <ms>', 'listen this long; exit 0 if triggered, 1 if not').argParser(parseInteger('--window')))
    .option('--rescue-cmd <cmd>', 'enables RESCUE: command to start jailed; {port} is replaced by the requested port')
    .option('--rescue-jail <options>', 'extra `jailctl run` options for the rescue service; repeatable', collect, [])
    .option('--no-failsafe-action', 'answer REFUSED to FAILSAFE_REBOOT')
    .option('--dry-run', "print the failsafe daemon's command line (shell words) instead of running it")
    .action(guarded(async (flags: Omit<ListenFlags, 'noFailsafeAction'> & { failsafeAction: boolean; dryRun?: boolean }) => {
      const { failsafeAction, dryRun, ...rest } = flags;
      const listenFlags: ListenFlags = { ...rest, noFailsafeAction: !failsafeAction };
      const [{ prepareDaemon, execDaemon }, { quoteShellWords }] = await Promise.all([import('../../failsafe/listen.js'), import('../../failsafe/daemon-argv.js')]);
      const argv = prepareDaemon({ flags: listenFlags, self: [process.execPath, process.argv[1]!], dryRun: dryRun === true, log: line(process.stdout) });
      if (dryRun === true) {
        line(process.stdout)(quoteShellWords(argv));
        return 0;
      }
      return execDaemon(argv);
    }));
}

function registerRescueRun(failsafe: Command): void {
  failsafe
    .command('rescue-run', { hidden: true })
    .description('RESCUE for the failsafe daemon: firewall rules, the jailed service, the answer on fd 3')
    .argument('<allow>', 'the only IPv4 address allowed to reach the service')
    .argument('<port>', 'the service port')
    .argument('<seconds>', 'how long the service runs')
    .requiredOption('--rescue-cmd <cmd>', 'command to start jailed; {port} is replaced by the port')
    .option('--rescue-jail <options>', 'extra `jailctl run` options; repeatable', collect, [])
    .action(guarded(async (allow: string, port: string, seconds: string, flags: { rescueCmd: string; rescueJail: string[] }) => {
      const { answerOnStatusFd, parseRescueArgs, runRescueHelper } = await import('../../failsafe/rescue-helper.js');
      return runRescueHelper({
        ...parseRescueArgs({ allow, port, seconds, ...flags }),
        self: [process.execPath, process.argv[1]!],
        log: line(process.stdout),
        warn: line(process.stderr),
        answer: answerOnStatusFd,
      });
    }));
}

function registerTrigger(failsafe: Command): void {
  failsafe
    .command('trigger')
    .description("the admin's side: send the device into failsafe, or start its rescue service")
    .argument('<host>', 'HOST[:PORT] over UDP; with --iface, the MAC address or "broadcast"')
    .addOption(new Option('--action <action>', 'what the device should do').choices(['failsafe', 'rescue']).default('failsafe'))
    .option('--key <hex>', 'the device key, 64 hex characters')
    .option('--key-file <file>', 'a file holding the key as 64 hex characters')
    .option('--config <file>', "a copy of the device's UCI file holding the key")
    .option('--iface <name>', 'use raw 0x88B5 frames on this interface instead of UDP')
    .option('--allow <ipv4>', 'rescue: the only address allowed to reach the service (default: ours toward HOST)')
    .addOption(new Option('--rescue-port <port>', 'rescue: port of the service').argParser(parseInteger('--rescue-port')).default(22))
    .addOption(new Option('--seconds <n>', 'rescue: how long the service runs').argParser(parseInteger('--seconds')).default(300))
    .addOption(new Option('--timeout <ms>', 'first wait for an answer; doubled on each of 3 retries').argParser(parseInteger('--timeout')).default(500))
    .action(guarded(async (host: string, flags: TriggerFlags) => {
      for (const [name, value] of [['--rescue-port', flags.rescuePort], ['--seconds', flags.seconds]] as const) {
        if (value < 1 || value > 65535) throw new JailctlError('USAGE', `${name} ${value}: expected 1-65535`);
      }
      const [{ readClientKey }, { runTrigger }, { Action }] = await Promise.all([
        import('../../failsafe/keystore.js'), import('../../failsafe/client.js'), import('../../failsafe/protocol.js'),
      ]);
      const key = readClientKey({ ...pick(flags, 'key'), ...pick(flags, 'keyFile'), ...pick(flags, 'config') });
      const action = flags.action === 'rescue' ? Action.RESCUE : Action.FAILSAFE_REBOOT;
      const rescue = { port: flags.rescuePort, seconds: flags.seconds, ...pick(flags, 'allow') };
      const outcome = await runTrigger({ host, key, action, rescue, timeoutMs: flags.timeout, retries: 3, ...pick(flags, 'iface') });
      line(outcome.ok ? process.stdout : process.stderr)(outcome.line);
      return outcome.ok ? 0 : EXIT_NO;
    }));
}

function pick<T extends object, K extends keyof T>(flags: T, key: K): Partial<Pick<T, K>> {
  return flags[key] === undefined ? {} : ({ [key]: flags[key] } as Partial<Pick<T, K>>);
}

function registerConsume(failsafe: Command): void {
  failsafe
    .command('consume-flag')
    .description("preinit's side: exit 0 and erase the flag if it is set, exit 1 if not (fail closed)")
    .option('--flag <path>', 'the flag region (default: the mtd partition named failsafe-flag)')
    .action(guarded(async (flags: { flag?: string }) => {
      const { consumeFlag, resolveFlagPath } = await import('../../failsafe/flag.js');
      let path: string;
      try {
        path = resolveFlagPath(flags.flag);
      } catch (err) {
        line(process.stderr)(`jailctl: ${(err as Error).message}; normal boot`);
        return EXIT_NO;
      }
      const result = consumeFlag(path);
      line(process.stdout)(result.message);
      return result.outcome === 'set' ? 0 : EXIT_NO;
    }));
}

export function registerFailsafe(program: Command): void {
  const failsafe = program.command('failsafe').description('buttonless failsafe: key, listener, trigger, flag (docs/failsafe.md)');
  registerKeygen(failsafe);
  registerListen(failsafe);
  registerTrigger(failsafe);
  registerConsume(failsafe);
  registerRescueRun(failsafe);
}
