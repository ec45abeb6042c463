// The "Examples:" block at the end of every command's --help, and `jailctl help A B`. Each
// block runs as written, as root, in a checkout set up by the README (jailctl on PATH, the
// shipped profiles/ and init.d/): test/integration/help-examples.test.ts runs every block as a
// shell script. Lines are shell: what follows "#" is a comment.
import type { Command } from 'commander';

const FAILSAFE_ROUND_TRIP = [
  'jailctl failsafe keygen --config /tmp/system                # a key in a UCI file of its own',
  "jailctl failsafe listen --config /tmp/system --udp 127.0.0.1:4919 --flag /tmp/flag --reboot-cmd '' --window 5000 &",
  'jailctl failsafe trigger 127.0.0.1:4919 --config /tmp/system   # the admin\'s side: "ACK OK"',
];

const HTTPD_COMPILED = 'jailctl profile compile profiles/httpd-example.json --arch mipsel -o /tmp/httpd.mipsel.bpf';

/** By command path ('' is jailctl itself). */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  '': [
    'jailctl run -- /bin/ls -l /                   # a program in a jail of its own',
    'jailctl help profile check                    # the help of one command',
  ],
  'run': [
    'jailctl run -- /bin/ls -l /                   # its libraries are found and bound automatically',
    'jailctl run --proc --netns -- /bin/ls /proc   # its own /proc; no network but lo',
    'jailctl run --ro /etc/hostname --memory 64M -- /bin/cat /etc/hostname',
    'jailctl run --seccomp profiles/httpd-example.json --dry-run -- /bin/true   # the plan, as JSON',
  ],
  'trace': [
    'jailctl trace -o /tmp/ls.json -- /bin/ls /    # the seccomp profile ls needs',
    'jailctl trace --jail --proc -o /tmp/ps.json --mounts /tmp/ps.jail.json -- /bin/ps',
    'jailctl run --spec /tmp/ps.jail.json --seccomp /tmp/ps.json -- /bin/ps   # run it as traced',
  ],
  'profile': [
    'jailctl profile check profiles/httpd-example.json',
    'jailctl profile explain profiles/httpd-example.json',
    'jailctl profile compile profiles/httpd-example.json --arch mipsel --format asm',
  ],
  'profile check': [
    'jailctl profile check profiles/httpd-example.json profiles/examples/*.json   # one line each',
    'jailctl profile check --arch aarch64 profiles/failsafe-listener.json         # for another arch',
  ],
  'profile compile': [
    'jailctl profile compile profiles/httpd-example.json --format asm   # the BPF program, listed',
    `${HTTPD_COMPILED}   # for a router`,
  ],
  'profile disasm': [
    HTTPD_COMPILED,
    'jailctl profile disasm /tmp/httpd.mipsel.bpf --arch mipsel',
  ],
  'profile merge': [
    'jailctl profile merge profiles/httpd-example.json profiles/examples/network-service.json -o /tmp/merged.json',
  ],
  'profile diff': [
    'jailctl profile diff profiles/examples/legacy-whitelist.json profiles/examples/network-service.json',
  ],
  'profile explain': [
    'jailctl profile explain profiles/httpd-example.json',
    'jailctl trace -o /tmp/ls.json --stats /tmp/ls.stats.json -- /bin/ls /',
    'jailctl profile explain /tmp/ls.json --stats /tmp/ls.stats.json   # with the calls counted',
  ],
  'service': [
    'jailctl service list --initd init.d             # the shipped scripts, running or not',
    'mkdir -p /www /etc/seccomp && cp profiles/httpd-example.json /etc/seccomp/   # what it serves, its profile',
    'jailctl service httpd-example start --initd init.d   # busybox httpd on 127.0.0.1:8080, jailed',
    'jailctl service httpd-example status --initd init.d',
    'jailctl service httpd-example logs -n 5 --initd init.d',
    'jailctl service httpd-example stop --initd init.d',
  ],
  'failsafe': [...FAILSAFE_ROUND_TRIP, 'jailctl failsafe consume-flag --flag /tmp/flag   # at the next boot: exit 0, flag erased'],
  'failsafe keygen': [
    'jailctl failsafe keygen --config /tmp/system            # made once; never replaced without --rotate',
    'jailctl failsafe keygen --config /tmp/system --rotate   # a new key (admins need it too)',
  ],
  'failsafe listen': FAILSAFE_ROUND_TRIP,
  'failsafe trigger': FAILSAFE_ROUND_TRIP,
  'failsafe consume-flag': [
    'jailctl failsafe consume-flag --flag /tmp/flag || echo "not set: normal boot"',
  ],
};

/** The examples block of the command at `path`, or undefined. */
export function examplesText(path: string): string | undefined {
  const lines = EXAMPLES[path];
  return lines === undefined ? undefined : `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}`;
}

/** Adds the examples block to the help of `command` and every command below it. */
export function addExamples(command: Command, path: string[] = []): void {
  const text = examplesText(path.join(' '));
  if (text !== undefined) command.addHelpText('after', text);
  for (const sub of command.commands) addExamples(sub, [...path, sub.name()]);
}

/** Commands whose words after them name subcommands (for `jailctl help A B`). */
const GROUPS = ['profile', 'failsafe'];

/**
 * commander's help command takes one word: `jailctl help profile diff` would show the help of
 * `profile`. Rewrites `help A [B]` and `A help B` (A a group) to `A [B] --help`.
 */
export function expandHelpCommand(argv: readonly string[]): string[] {
  const [node = '', script = '', ...words] = argv;
  if (words[0] === 'help' && words.length > 1 && words.slice(1).every((w) => !w.startsWith('-'))) return [node, script, ...words.slice(1), '--help'];
  if (words[1] === 'help' && GROUPS.includes(words[0]!) && words.length > 2 && words.slice(2).every((w) => !w.startsWith('-'))) {
    return [node, script, words[0]!, ...words.slice(2), '--help'];
  }
  return [...argv];
}
