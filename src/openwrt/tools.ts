// The commands jailctl's OpenWrt shell library runs where OpenWrt has C programs: uci,
// validate_data, jshn, and network-status (what network.sh would ask netifd). One dispatcher,
// so that a small bundle (dist/openwrt-tools.cjs) starts them quickly; `jailctl uci ...` and
// friends reach the same code. Settings from the environment: UCI_CONFIG_DIR (the --config
// folder), JAILCTL_UCI_SAVEDIR (where uncommitted changes go, /tmp/.uci by default).
import { readFileSync } from 'node:fs';
import { runJshn } from './jshn/jshn.js';
import { readHostNetwork } from './network/host.js';
import { networkShell, networkStatus } from './network/status.js';
import { runUciCli } from './uci/cli.js';
import { defaultContext, loadPackage, setSavedir, type UciContext } from './uci/store.js';
import { runValidateData } from './validate/validate-data.js';

export interface ToolIo {
  out(text: string): void;
  err(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
}

export const TOOLS = ['uci', 'validate_data', 'jshn', 'network-status'] as const;

/** The UCI context the shell library's tools share: --config's folder and the save folder. */
export function toolContext(env: ToolIo['env']): UciContext {
  const ctx = defaultContext();
  if (env['UCI_CONFIG_DIR']) ctx.confdir = env['UCI_CONFIG_DIR'];
  if (env['JAILCTL_UCI_SAVEDIR']) setSavedir(ctx, env['JAILCTL_UCI_SAVEDIR']);
  return ctx;
}

function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

/** Runs one tool: `uci APPNAME ARGS`, `validate_data ARGS`, `jshn ARGS`, `network-status`. */
export function runTool(argv: readonly string[], io: ToolIo): number {
  const [tool, ...args] = argv;
  switch (tool) {
    case 'uci': {
      const [appname, ...rest] = args;
      const saved = io.env['JAILCTL_UCI_SAVEDIR'];
      const withSavedir = saved ? ['-t', saved, ...rest] : rest;
      return runUciCli(withSavedir, { out: io.out, err: io.err, input: readStdin }, appname ?? 'uci');
    }
    case 'validate_data':
      return runValidateData(args, io, { ctx: toolContext(io.env), quietWhenValid: io.env['JAILCTL_VALIDATE_QUIET'] === '1' });
    case 'jshn':
      return runJshn(args, io);
    case 'network-status': {
      let network;
      try {
        network = loadPackage(toolContext(io.env), 'network').pkg;
      } catch {
        network = undefined;
      }
      io.out(networkShell(networkStatus(network, readHostNetwork())));
      return 0;
    }
    default:
      io.err(`jailctl: unknown OpenWrt tool "${tool ?? ''}" (known: ${TOOLS.join(', ')})\n`);
      return 2;
  }
}
