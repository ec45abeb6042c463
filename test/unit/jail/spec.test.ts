import t from 'tap';
import { parseCapabilities } from '../../../src/jail/caps.js';
import { weightToShares } from '../../../src/jail/cgroups.js';
import { parseRlimitValue, RLIM_INFINITY } from '../../../src/jail/rlimits.js';
import { defaultJailName, mergeRawSpecs, normalizeJailSpec, parseBindArg } from '../../../src/jail/spec.js';

t.test('parseBindArg()', async (t) => {
  t.same(parseBindArg('/etc/hosts', false, '--ro', '/'), { source: '/etc/hosts', writable: false, origin: '--ro' });
  t.same(parseBindArg('site:/www', true, '--rw', '/srv'), { source: '/srv/site', dest: '/www', writable: true, origin: '--rw' });
  t.throws(() => parseBindArg('/a:www', false, '--ro', '/'), { message: '--ro "/a:www": destination "www" must be an absolute path' });
  t.throws(() => parseBindArg(':/www', false, '--ro', '/'), { message: /empty source path/ });
});

t.test('normalizeJailSpec() defaults: name from the command, PATH only, libraries on', async (t) => {
  const spec = normalizeJailSpec({ command: ['/usr/sbin/dnsmasq', '-k'] }, '/');
  t.match(spec, { name: 'dnsmasq', hostname: 'dnsmasq', autoLibs: true, proc: false, netns: false, userns: false, cwd: '/' });
  t.same(Object.keys(spec.env), ['PATH']);
});

t.test('normalizeJailSpec() refuses bad values by name', async (t) => {
  t.throws(() => normalizeJailSpec({ command: ['/x'], name: 'bad name' }, '/'), { message: /--name "bad name"/ });
  t.throws(() => normalizeJailSpec({ command: ['/x'], tmpfs: ['/'] }, '/'), { message: /--tmpfs "\/"/ });
  t.throws(() => normalizeJailSpec({ command: ['/x'], pids: 0 }, '/'), { message: '--pids 0: expected an integer from 1 to 4194304' });
  t.throws(() => normalizeJailSpec({ command: ['/x'], memory: 'lots' }, '/'), { message: /--memory: "lots" is not a number/ });
  t.throws(() => normalizeJailSpec({}, '/'), { message: 'no command given' });
  t.throws(() => normalizeJailSpec({ command: ['/x'], memory: '0' }, '/'), { message: /--memory 0: too small; a jail needs at least 1M/ });
  t.throws(() => normalizeJailSpec({ command: ['/x'], memory: '512k' }, '/'), { message: /--memory 512k: too small/ });
  t.equal(normalizeJailSpec({ command: ['/x'], memory: '1M' }, '/').memory, 1048576n);
});

t.test('the default jail name is made from any command name', async (t) => {
  t.equal(defaultJailName('/usr/bin/['), 'jail', '"[" holds no name character');
  t.equal(defaultJailName('/usr/bin/c++'), 'c__');
  t.equal(defaultJailName('-hello'), 'hello', 'a name starts with a letter or digit');
  t.equal(defaultJailName('/opt/x/ünïcode tool'), 'n_code_tool');
  t.equal(defaultJailName(`/bin/${'a'.repeat(100)}`).length, 63);
  for (const command of ['[', '/usr/bin/c++', '-hello', '.hidden', '/x/...']) {
    t.doesNotThrow(() => normalizeJailSpec({ command: [command] }, '/'), `${command} runs without --name`);
  }
  t.throws(() => normalizeJailSpec({ command: ['/x'], name: 'c++' }, '/'), { message: /--name "c\+\+"/ }, 'an explicit bad name is still refused');
});

t.test('mergeRawSpecs(): lists add up, scalars are overridden, env merges', async (t) => {
  const merged = mergeRawSpecs({ ro: ['/a'], name: 'x', env: { A: '1' }, command: ['/bin/a'] }, { ro: ['/b'], name: 'y', env: { B: '2' }, command: ['/bin/b'] });
  t.same(merged, { ro: ['/a', '/b'], name: 'y', env: { A: '1', B: '2' }, command: ['/bin/b'] });
});

t.test('parseRlimitValue()', async (t) => {
  t.same(parseRlimitValue('64:128', 'x'), { soft: 64n, hard: 128n });
  t.same(parseRlimitValue('1M', 'x'), { soft: 1048576n, hard: 1048576n });
  t.same(parseRlimitValue('10:unlimited', 'x'), { soft: 10n, hard: RLIM_INFINITY });
  t.throws(() => parseRlimitValue('9:3', 'nofile'), { message: 'nofile: soft limit 9 is above hard limit 3' });
  t.throws(() => parseRlimitValue('1:2:3', 'nofile'), { message: /expected SOFT\[:HARD\]/ });
});

t.test('parseCapabilities(): sets, consistency, bad JSON', async (t) => {
  t.same(parseCapabilities('{"bounding":["net_raw"],"permitted":["CAP_NET_RAW"],"effective":["cap_net_raw"]}', 'c.json'), {
    bounding: 8192n, permitted: 8192n, effective: 8192n, inheritable: 0n, ambient: 0n,
  });
  t.throws(() => parseCapabilities('{"effective":["CAP_KILL"]}', 'c.json'), { message: 'c.json: effective capabilities must also be permitted: CAP_KILL' });
  t.throws(() => parseCapabilities('{"ambient":["CAP_KILL"],"permitted":["CAP_KILL"]}', 'c.json'), { message: /ambient capabilities must also be permitted and inheritable/ });
  t.throws(() => parseCapabilities('{"bounds":[]}', 'c.json'), { message: /unknown capability set "bounds"/ });
  t.throws(() => parseCapabilities('{', 'c.json'), { message: /c.json: invalid JSON/ });
});

t.test('weightToShares() maps cpu.weight onto v1 cpu.shares', async (t) => {
  t.equal(weightToShares(100), 1024);
  t.equal(weightToShares(1), 10);
  t.equal(weightToShares(10000), 102400);
});
