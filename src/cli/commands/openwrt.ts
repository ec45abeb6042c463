// `jailctl uci ...`, `jailctl jshn ...`, `jailctl validate-data ...`: OpenWrt's commands as
// jailctl provides them to init scripts (src/openwrt/tools.ts), for an admin to use by hand
// (`jailctl uci -c DIR show`). Arguments pass through untouched: each command parses its own,
// as OpenWrt's does, and its exit status is jailctl's.
import type { Command } from 'commander';

const TOOLS: Readonly<Record<string, { tool: string; description: string; usage: string }>> = {
  uci: { tool: 'uci', description: "OpenWrt's uci command over a UCI folder (-c DIR, default /etc/config)", usage: '[-c DIR] [-q] get|set|add|add_list|del_list|delete|rename|reorder|revert|commit|show|export|changes|import|batch ...' },
  jshn: { tool: 'jshn', description: "libubox's jshn: JSON to shell calls (-r JSON) and back (-w)", usage: '-r JSON | -R FILE | [-p PREFIX] [-n] [-i] -w' },
  'validate-data': { tool: 'validate_data', description: "ubox's validate_data: check a value against a UCI datatype, or a section's options", usage: "DATATYPE VALUE | PACKAGE TYPE SECTION 'option:datatype[:default]'..." },
};

export function registerOpenwrt(program: Command): void {
  for (const [name, { tool, description, usage }] of Object.entries(TOOLS)) {
    program
      .command(name)
      .description(description)
      .usage(usage)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .argument('[args...]')
      .action(async (args: string[]) => {
        const { runTool } = await import('../../openwrt/tools.js');
        const { writeSync } = await import('node:fs');
        const write = (fd: number) => (text: string) => {
          writeSync(fd, text);
        };
        const argv = tool === 'uci' ? ['uci', 'uci', ...args] : [tool, ...args];
        process.exit(runTool(argv, { out: write(1), err: write(2), env: process.env }));
      });
  }
}
