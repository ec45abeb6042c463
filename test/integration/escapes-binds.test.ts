// Adversarial probes of binds, as root: symlinks a jailed service plants in its --rw directory
// must not redirect a later bind (Kubernetes subPath, CVE-2017-1002101), a directory bind shows
// what is mounted below it on the host and makes every such mount read-only (or keeps it as the
// host has it with --rw), device nodes in binds do not open, host mounts do not propagate in.
// Host mounts are made in a private mount namespace (unshare -m), never in the test's own.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { CLI, isRoot, jailctl } from '../helpers/jailctl.js';
import { BUSYBOX, PRELUDE, facts, hasBusybox, probe } from '../helpers/jail-probe.js';

const hasUnshare = spawnSync('unshare', ['--version'], { stdio: 'ignore' }).status === 0;
if (!isRoot) t.plan(0, 'needs root');
else if (!hasBusybox) t.plan(0, 'needs /bin/busybox (apt-get install busybox)');

const root = mkdtempSync(join(tmpdir(), 'jailctl-escapes-'));
chmodSync(root, 0o711); // a --userns jail (uid 100000 outside) passes through to its own directory
t.teardown(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => {
  const d = join(root, `d${n++}`);
  mkdirSync(d, { mode: 0o700 });
  return d;
};

/** As a service with --rw D would: plant links to the host's secrets, from inside a jail. */
function plant(d: string, flags: string[] = []) {
  const r = probe(`ln -s /etc/shadow ${d}/app.conf && ln -s /root ${d}/data && mkdir ${d}/sub && echo ok > ${d}/sub/f && ln -s sub/f ${d}/ok && echo PLANTED`, ['--rw', d, ...flags]);
  if (!/PLANTED/.test(r.stdout)) throw new Error(`planting failed: ${r.stdout}${r.stderr}`);
}

for (const [name, flags] of [['root', []], ['--userns', ['--userns']]] as const) {
  t.test(`links planted by a jail (${name}) do not redirect a later bind`, async (t) => {
    const d = freshDir();
    if (name === '--userns') chmodSync(d, 0o777); // uid 100000 outside must be able to write it
    plant(d, [...flags]);
    const shadow = jailctl(['run', '--ro', `${d}/app.conf`, '--', '/bin/cat', `${d}/app.conf`]);
    t.equal(shadow.code, 125, 'refused');
    t.notMatch(shadow.stdout, /root:/, 'the shadow file never shows');
    t.match(shadow.stderr, new RegExp(`symlink ${d}/app.conf -> /etc/shadow is not followed`));
    t.match(shadow.stderr, /hint: .*bind it by its own path: --ro \/etc\/shadow:/);
    const before = readdirSync('/root');
    const marker = `jailctl-escape-probe-${process.pid}`;
    t.teardown(() => rmSync(`/root/${marker}`, { force: true })); // should it ever get there
    const data = jailctl(['run', '--rw', `${d}/data`, '--ro', BUSYBOX, '--', BUSYBOX, 'touch', `${d}/data/${marker}`]);
    t.equal(data.code, 125, 'refused');
    t.match(data.stderr, new RegExp(`symlink ${d}/data -> /root is not followed`));
    t.same(readdirSync('/root'), before, "nothing was written to the host's /root");
    t.notOk(existsSync(`/root/${marker}`));
    if (name === 'root') {
      const ok = jailctl(['run', '--ro', `${d}/ok`, '--', '/bin/cat', `${d}/ok`]);
      t.equal(ok.code, 0, `a link that stays in its directory is followed: ${ok.stderr}`);
      t.equal(ok.stdout, 'ok\n');
    } else {
      t.match(jailctl(['run', '--ro', `${d}/ok`, '--', '/bin/cat', `${d}/ok`]).stderr, /belongs to uid 100000/, 'a link the user namespace made belongs to uid 100000');
    }
  });
}

t.test('a planted link cannot redirect a bind destination either', async (t) => {
  const d = freshDir();
  plant(d);
  const r = jailctl(['run', '--rw', d, '--ro', `/etc/hostname:${d}/app.conf`, '--', '/bin/true']);
  t.equal(r.code, 125);
  t.match(r.stderr, new RegExp(`inside bind-mounted ${d}`));
});

t.test('the distribution\'s own links still bind', async (t) => {
  const r = jailctl(['run', '--ro', '/etc/resolv.conf', '--ro', '/lib64/ld-linux-x86-64.so.2', '--', '/bin/true']);
  t.equal(r.code, 0, r.stderr);
});

/** Runs a shell script as root in a private mount namespace of its own (host mounts stay there). */
function inPrivateMounts(script: string) {
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-euc', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, JAILCTL: `${process.execPath} ${CLI}`, PRELUDE } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
/** A jailctl run line for inPrivateMounts: the body is quoted so that only the jail expands it. */
const jailed = (flags: string, body: string) => `$JAILCTL run ${flags} --ro ${BUSYBOX} -- ${BUSYBOX} sh -c "$PRELUDE ${body.replace(/["$`\\]/g, '\\$&')}" || true`;

t.test('a directory bind: what a host mount hides stays hidden, and every mount in it is read-only', { skip: hasUnshare ? false : 'needs unshare(1)' }, async (t) => {
  const d = freshDir();
  mkdirSync(join(d, 'sub'));
  mkdirSync(join(d, 'rosub'));
  writeFileSync(join(d, 'sub', 'hidden'), 'under the mount');
  const probes = `[ -e ${d}/sub/hidden ] && echo HIDDEN visible; [ -e ${d}/sub/shown ] && echo SHOWN yes;
    { echo x > ${d}/sub/new; } 2>&- && echo SUB writable || echo SUB refused;
    { echo x > ${d}/rosub/new; } 2>&- && echo ROSUB writable || echo ROSUB refused;
    { echo x > ${d}/top; } 2>&- && echo TOP writable || echo TOP refused;
    grep -q ' ${d}/sub .*nosuid,nodev' /proc/self/mountinfo && echo SUB_FLAGS nosuid,nodev; echo DONE`;
  const r = inPrivateMounts(`
    mount -t tmpfs -o size=1m none ${d}/sub && echo x > ${d}/sub/shown
    mount -t tmpfs -o size=1m,ro none ${d}/rosub
    echo RO; ${jailed(`--proc --ro ${d}`, probes)}
    echo RW; ${jailed(`--proc --rw ${d}`, probes)}`);
  t.equal(r.code, 0, r.stderr);
  const [ro, rw] = r.stdout.split(/^RW$/m).map(facts);
  for (const [name, f] of [['--ro', ro!], ['--rw', rw!]] as const) {
    t.equal(f.get('DONE'), '', `${name}: the probe ran`);
    t.notOk(f.has('HIDDEN'), `${name}: the file under the host's mount stays hidden`);
    t.equal(f.get('SHOWN'), 'yes', `${name}: the mount itself is there`);
    t.equal(f.get('ROSUB'), 'refused', `${name}: a mount read-only on the host stays read-only`);
    t.equal(f.get('SUB_FLAGS'), 'nosuid,nodev', `${name}: the submount is nosuid,nodev`);
  }
  t.equal(ro!.get('SUB'), 'refused', '--ro: the submount is read-only too');
  t.equal(ro!.get('TOP'), 'refused');
  t.equal(rw!.get('SUB'), 'writable', '--rw: writable as the host has it');
  t.equal(rw!.get('TOP'), 'writable');
});

t.test('a device node in a bound directory does not open (nodev, submounts included)', async (t) => {
  const d = freshDir();
  t.equal(spawnSync('mknod', [join(d, 'zero'), 'c', '1', '5']).status, 0, 'a /dev/zero node planted on the host');
  const r = probe(`{ head -c 1 ${d}/zero > /dev/null; } 2>&- && echo DEVICE opened || echo DEVICE refused`, ['--rw', d, '--dev']);
  t.equal(facts(r.stdout).get('DEVICE'), 'refused', r.stderr);
});

t.test('--userns --sys: the host cgroup mounts under /sys are read-only too', async (t) => {
  const cgroups = readdirSync('/sys/fs/cgroup').map((c) => `/sys/fs/cgroup/${c}/jailctl-probe-$$`).join(' ');
  const r = probe(`awk '$5 ~ "^/sys" { print "MOUNT " $5 " " $6 }' /proc/self/mountinfo; for c in ${cgroups}; do mkdir $c 2>&1; done; echo DONE`, ['--proc', '--sys', '--userns']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^DONE$/m);
  const mounts = r.stdout.split('\n').filter((l) => l.startsWith('MOUNT '));
  t.ok(mounts.length > 1, `${mounts.length} mounts under /sys`);
  for (const m of mounts) t.match(m, / ro,/, m);
  const refusals = r.stdout.split('\n').filter((l) => l.includes('mkdir'));
  t.ok(refusals.length > 0 && refusals.every((l) => /Read-only file system/.test(l)), `every cgroup mkdir met a read-only mount: ${refusals.join('; ')}`);
});

t.test('a mount the host makes after the jail started does not appear in it', { skip: hasUnshare ? false : 'needs unshare(1)' }, async (t) => {
  const d = freshDir();
  const sync = freshDir();
  mkdirSync(join(d, 'late'));
  // the jail says when it runs; the host mounts, then lets it look (each side waits at most 10 s)
  const wait = (file: string) => `i=0; while [ ! -e ${file} ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done`;
  const body = `touch ${sync}/ready; ${wait(`${sync}/go`)}; echo "LATE_ENTRIES $(ls -A ${d}/late | wc -l)"`;
  const r = inPrivateMounts(`
    mount --bind ${d} ${d} && mount --make-shared ${d}
    ${jailed(`--ro ${d} --rw ${sync}`, body)} &
    ${wait(`${sync}/ready`)}
    mount -t tmpfs none ${d}/late && echo x > ${d}/late/new && touch ${sync}/go; wait`);
  t.equal(r.code, 0, r.stderr);
  t.equal(facts(r.stdout).get('LATE_ENTRIES'), '0', 'the jail\'s mounts are private');
});

t.test('--ro / shows neither the host /proc nor /sys', async (t) => {
  const r = probe('echo "PROC $(ls -A /proc | wc -l)"; echo "SYS $(ls -A /sys | wc -l)"; echo "HOSTNAME $(cat /etc/hostname | wc -c)"', ['--ro', '/']);
  t.equal(r.code, 0, r.stderr);
  const f = facts(r.stdout);
  t.equal(f.get('PROC'), '0');
  t.equal(f.get('SYS'), '0');
  t.not(f.get('HOSTNAME'), '0', 'the rest of the host tree is there');
});

t.test('the service cannot write its own binary through /proc/self/exe', async (t) => {
  const r = probe('{ true 3>>/proc/self/exe; } 2>&- && echo EXE writable || echo EXE refused', ['--proc']);
  t.equal(facts(r.stdout).get('EXE'), 'refused', r.stderr);
});
