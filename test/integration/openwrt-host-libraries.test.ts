// On a host that has OpenWrt's libraries (/lib/functions.sh and /sbin/uci), scripts get those,
// not jailctl's: simulated in a throwaway root where stand-ins are put at OpenWrt's paths.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { REPO } from '../helpers/jailctl.js';
import { throwawayCommand, throwawayUnavailable } from '../helpers/throwaway-root.js';

const RUNNER = join(REPO, 'build-test', 'test', 'helpers', 'corpus-runner.js');

const STANDINS = `set -e
mkdir -p /lib /sbin /usr/share/libubox
cat > /lib/functions.sh <<'X'
echo "the host's /lib/functions.sh" >&2
config_load() { echo "the host's config_load $1" >&2; return 0; }
X
cat > /usr/share/libubox/jshn.sh <<'X'
json_init() { :; }
X
printf '#!/bin/sh\\necho "host uci $*"\\n' > /sbin/uci
chmod +x /sbin/uci
exec "$@"`;

t.test("a host with OpenWrt's libraries keeps them", { skip: throwawayUnavailable() ?? false }, async (t) => {
  const dir = t.testdir({
    scripts: { probe: '#!/bin/sh /etc/rc.common\nUSE_PROCD=1\nstart_service() {\n\tconfig_load probe\n\tprocd_open_instance\n\tprocd_set_param command /bin/echo "$(uci -q get probe.x.y)" "$(command -v uci)"\n\tprocd_close_instance\n}\n' },
    config: {},
  });
  const argv = throwawayCommand(['/bin/sh', '-c', STANDINS, 'standins', process.execPath, RUNNER, join(dir, 'scripts'), join(dir, 'config')]);
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout.trim()) as { ok: boolean; commands: Record<string, string[]>; warnings: string[]; error?: string };
  t.equal(result.ok, true, result.error ?? 'evaluated');
  const [, uci, found] = result.commands['instance1'] ?? [];
  t.equal(uci, 'host uci -q get probe.x.y', "the host's uci answers");
  t.match(found, /^(?:\/usr)?\/sbin\/uci$/, "and is the one on PATH, not jailctl's");
  t.ok(result.warnings.includes("the host's /lib/functions.sh"));
  t.ok(result.warnings.includes("the host's config_load probe"));
});
