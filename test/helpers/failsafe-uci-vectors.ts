// The `uci` records of test/fixtures/failsafe/vectors.txt: UCI files and where their failsafe key
// is (or why there is none), for keystore.ts and native/failsafe/uci-key.c alike. The C reader
// looks only at what it needs (config and option key lines, and quoting everywhere), so every
// file here is one both readers must answer the same way.

const hex = (text: string) => Buffer.from(text, 'latin1').toString('hex');

export function buildUciVectors(keys: readonly Buffer[]): string[] {
  const [k0, k1] = keys.map((k) => k.toString('hex')) as [string, string];
  const cases: [string, string][] = [
    [`config system\n\toption hostname 'OpenWrt'\n\nconfig failsafe 'failsafe'\n\toption key '${k0}'\n\toption udp_port '4919'\n`, `found ${k0}`],
    [`config failsafe 'failsafe'\n\toption key "${k0}"  # the device key\n`, `found ${k0}`],
    [`config failsafe failsafe\r\n\toption key ${k0}\r\n`, `found ${k0}`],
    [`config failsafe\n\toption key '${k0.toUpperCase()}'\n`, `found ${k0}`],
    [`config failsafe 'other'\n\toption key '${k0}'\nconfig failsafe 'failsafe'\n\toption key '${k1}'\n`, `found ${k1}`],
    [`config failsafe 'failsafe'\n\toption key '${k0}'\n\toption key '${k1}'\n`, `found ${k1}`],
    [`config wifi-iface 'w'\n\toption key '${k0}'\n\nconfig failsafe 'failsafe'\n\toption key '${k1}'\n`, `found ${k1}`],
    [`config failsafe 'failsafe'\n\toption key ' ${k1} '\n`, `found ${k1}`],
    [`config failsafe 'failsafe'\n\toption key "${k0.slice(0, 10)}\\${k0.slice(10)}"\n`, `found ${k0}`],
    [`config failsafe 'first'\n\toption key '${k0}'\nconfig failsafe 'failsafe'\n\toption udp_port '1'\n`, 'missing'],
    [`config system\n\toption hostname 'r1'\n`, 'missing'],
    [`config failsafe 'failsafe'\n\toption udp_port '4919'\n`, 'missing'],
    ['', 'missing'],
    [`config failsafe 'failsafe'\n\toption key '${k0.slice(1)}'\n`, 'invalid 2'],
    [`# comment\nconfig failsafe 'failsafe'\n\toption key '${'z'.repeat(64)}'\n`, 'invalid 3'],
    [`config failsafe 'failsafe'\n\toption key ''\n`, 'invalid 2'],
    [`config failsafe 'failsafe'\n\toption key '${k0}${k1}'\n`, 'invalid 2'],
    [`config failsafe 'failsafe'\n\toption key '${k0}'\n\toption note 'unterminated\n`, 'syntax 3'],
    [`config failsafe 'failsafe'; option key '${k0}'\n`, 'syntax 1'],
  ];
  return cases.map(([text, outcome]) => `uci ${text === '' ? '-' : hex(text)} ${outcome}`);
}
