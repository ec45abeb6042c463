// As root: `jailctl service NAME harden` on Debian's rsync daemon under a fixture script that
// asks for no jail (root, every capability), port 873 on a loopback address of its own: traced
// while a real client lists a module (chroot + switch to nobody per connection), then started
// hardened and queried again, its /proc status read, --check run clean, then with a capability
// taken out of the overlay, and unharden.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { isRoot } from '../helpers/jailctl.js';
import { loopbackFor } from '../helpers/protocols.js';
import { installService, needs, procStatus, RUNNING_LINE, waitFor } from '../helpers/service.js';


if (!isRoot) t.plan(0, 'needs root');

const HOST = loopbackFor();
const run = promisify(execFile);
/** A real query: the rsync client lists the module (the daemon chroots and becomes nobody). */
const listModule = async (): Promise<string> => (await run('rsync', [`rsync://${HOST}/pub/`], { timeout: 5000 })).stdout;

/** Runs `harden ARGS` for `seconds`, querying the service while it is traced. */
async function tracedWhileQueried(s: ReturnType<typeof installService>, args: string[], seconds: number) {
  const child = s.spawn('harden', '--for', String(seconds), ...args);
  await child.waitFor(args.includes('--check') ? ': checking' : ': hardening');
  const listing = await waitForListing();
  const exit = await child.done;
  return { listing, exit, stdout: exit.stdout, stderr: exit.stderr };
}

async function waitForListing(): Promise<string> {
  const until = Date.now() + 5000;
  for (;;) {
    try {
      return await listModule();
    } catch (err) {
      if (Date.now() > until) return String(err);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

t.test('rsync: harden while it serves, start hardened, check, check with a capability taken away, unharden', { skip: needs('/usr/bin/rsync', 'rsync') }, async (t) => {
  const s = installService(t, 'rsyncd-harden');
  const overlays = join(s.dir, 'overlays');
  const procd = join(s.dir, 'procd');
  s.options.push('--overlays', overlays, '--procd-dir', procd);
  const share = join(s.dir, 'share');
  mkdirSync(share, { mode: 0o755 });
  writeFileSync(join(share, 'hello.txt'), 'hi\n', { mode: 0o644 });
  writeFileSync(join(s.dir, 'rsyncd.conf'), `use chroot = yes\nuid = nobody\ngid = nogroup\n[pub]\n\tpath = ${share}\n\tread only = yes\n`, { mode: 0o644 });
  s.uci('jcrsyncd', `config rsyncd 'main'\n\toption conf '${join(s.dir, 'rsyncd.conf')}'\n\toption listen '${HOST}'\n\toption port '873'\n`);

  const traced = await tracedWhileQueried(s, [], 3);
  t.match(traced.listing, /hello\.txt/, 'the traced service served the query');
  t.equal(traced.exit.code, 0, traced.stderr);
  const overlayFile = join(overlays, `${s.name}.json`);
  const overlay = JSON.parse(readFileSync(overlayFile, 'utf8'));
  const inst = overlay.instances.instance1;
  t.same(inst.capabilities, ['CAP_NET_BIND_SERVICE', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SYS_CHROOT'], 'the capabilities it exercised, no more');
  t.match(inst.why, { CAP_NET_BIND_SERVICE: [`bind ${HOST}:873`], CAP_SYS_CHROOT: [`chroot ${share}`] });
  t.same(inst.namespaces, ['mount', 'pid', 'uts', 'ipc']);
  t.equal(inst.readOnlyRoot, true);
  t.ok(inst.ro.some((p: string) => join(s.dir, 'rsyncd.conf').startsWith(p)), 'its config is bound');
  t.match(traced.stdout, new RegExp(`procd_add_jail ${s.name} ronly`));
  t.match(traced.stdout, /procd_set_param no_new_privs 1/);
  t.same(JSON.parse(readFileSync(join(procd, 'capabilities', `${s.name}.json`), 'utf8')).bounding, inst.capabilities, "procd's capabilities file");
  t.ok(existsSync(join(procd, 'seccomp', `${s.name}.json`)), "procd's seccomp profile");

  const dry = s.run('start', '--dry-run');
  t.match(dry.stderr, /hardened by .*\.json/, 'a dry run says the overlay applies');
  const start = s.run('start');
  t.equal(start.code, 0, start.stderr);
  t.match(start.stdout, RUNNING_LINE(s.name));
  t.match(await waitForListing(), /hello\.txt/, 'the hardened service serves the query');
  const pid = await waitFor('the service', () => s.status().instances.find((i) => i.state === 'running')?.pid ?? undefined);
  const status = procStatus(pid);
  // NET_BIND_SERVICE 10, SETGID 6, SETUID 7, SYS_CHROOT 18
  t.match(status, /^CapEff:\s+00000000000404c0$/m);
  t.match(status, /^CapBnd:\s+00000000000404c0$/m);
  t.match(status, /^Seccomp:\s+2$/m);
  t.match(status, /^NoNewPrivs:\s+1$/m);
  t.match(s.run('status').stdout, /hardened/, 'status shows the overlay');
  t.equal(s.run('stop').code, 0);

  const clean = await tracedWhileQueried(s, ['--check'], 3);
  t.match(clean.listing, /hello\.txt/);
  t.equal(clean.exit.code, 0, clean.stdout + clean.stderr);
  t.match(clean.stdout, /check: nothing that succeeded in the traced run fails hardened/);

  inst.capabilities = inst.capabilities.filter((c: string) => c !== 'CAP_SYS_CHROOT');
  writeFileSync(overlayFile, JSON.stringify(overlay));
  const broken = await tracedWhileQueried(s, ['--check'], 3);
  t.notMatch(broken.listing, /hello\.txt/, 'without CAP_SYS_CHROOT the query fails');
  t.equal(broken.exit.code, 1);
  t.match(broken.stdout, new RegExp(`chroot ${share}: EPERM \\(the traced run: ok\\)`), '--check names the call');

  const un = s.run('unharden');
  t.equal(un.code, 0);
  t.notOk(existsSync(overlayFile));
  t.notMatch(s.run('start', '--dry-run').stderr, /hardened by/, 'without the overlay the script runs as it asks');
});
