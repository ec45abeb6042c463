// describeJsonSyntaxError(): the line, column and reason of the first JSON error, never the text
// (JSON.parse quotes it); and findJsonSyntaxError() agrees with JSON.parse on what is JSON.
import t from 'tap';
import { describeJsonSyntaxError, findJsonSyntaxError } from '../../../src/schema/json-syntax.js';
import { showString, showValue } from '../../../src/schema/safe-text.js';

const SHADOW = 'root:$y$j9T$N3vYBtQ3ZmQ1$kVbL2bYyX8yJ3l3Fg0aZ8qPq1m4bYbZbZbZbZbZbZb.:19000:0:99999:7:::\n';
const HEX_KEY = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

t.test('JSON.parse quotes the text; the description does not', async (t) => {
  const native = (() => { try { JSON.parse(SHADOW); } catch (e) { return (e as Error).message; } return ''; })();
  t.match(native, /root:\$y\$/, 'Node 20 puts a snippet in its message (why this module exists)');
  const said = describeJsonSyntaxError(SHADOW);
  t.equal(said, 'invalid JSON at line 1, column 1: unexpected character: expected a value (an object, array, string, number, true, false or null)');
  for (const text of [SHADOW, HEX_KEY, `{"a": ${HEX_KEY}}`, `-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n`]) {
    t.notMatch(describeJsonSyntaxError(text), /root|\$y\$|9f86d0|MIIEv|BEGIN/, text.slice(0, 20));
  }
});

t.test('positions and reasons', async (t) => {
  const cases: [string, string][] = [
    ['', 'line 1, column 1: there is no JSON value: the file is empty'],
    ['{"name": ', 'line 1, column 10: the text ends before the JSON value does'],
    ['{\n  "a": 1\n  "b": 2\n}', "line 3, column 3: expected ',' or '}' after a property"],
    ['[1, 2,]', 'line 1, column 7: unexpected character: expected a value (an object, array, string, number, true, false or null)'],
    ['{"a": 1,}', 'line 1, column 9: expected a property name in double quotes'],
    ['{"a" 1}', "line 1, column 6: expected ':' after the property name"],
    ['[1 2]', "line 1, column 4: expected ',' or ']' after an element"],
    ['"a\nb"', 'line 1, column 3: a control character (such as a line break) inside a string: write it as an escape'],
    ['"\\x"', 'line 1, column 3: an invalid escape sequence in a string'],
    ['"\\u12g4"', 'line 1, column 6: \\u must be followed by 4 hex digits'],
    ['-', 'line 1, column 2: the text ends before the JSON value does'],
    ['1.e5', 'line 1, column 3: an invalid number'],
    ['{} x', 'line 1, column 4: more text after the JSON value'],
    ['\ufeff{}', 'line 1, column 1: a byte order mark (BOM) at the start: save the file without it'],
  ];
  for (const [text, where] of cases) t.equal(describeJsonSyntaxError(text), `invalid JSON at ${where}`, JSON.stringify(text));
});

t.test('any nesting depth, without recursion', async (t) => {
  t.equal(findJsonSyntaxError('['.repeat(200_000) + ']'.repeat(200_000)), undefined);
  t.match(findJsonSyntaxError('['.repeat(200_000)), { offset: 200_000 });
});

t.test('agrees with JSON.parse on thousands of mutated documents', async (t) => {
  const seeds = ['{"a": [1, -2.5e+3, true, false, null, "x\\"\\u00e9"], "b": {}}', '[]', '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}', '  "s"  ', '0', '-0.0E-1'];
  const alphabet = ['{', '}', '[', ']', ',', ':', '"', '\\', ' ', '\n', '0', '1', '-', '+', '.', 'e', 'E', 't', 'n', 'u', 'x', '\u0001', '\ufeff'];
  let state = 42;
  const random = (n: number) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
  let disagreements = 0;
  for (let i = 0; i < 20_000; i++) {
    const chars = [...seeds[random(seeds.length)]!];
    for (let m = 1 + random(3); m > 0; m--) {
      const at = random(chars.length + 1);
      const op = random(3);
      if (op === 0) chars.splice(at, 1);
      else if (op === 1) chars.splice(at, 0, alphabet[random(alphabet.length)]!);
      else chars[at] = alphabet[random(alphabet.length)]!;
    }
    const text = chars.join('');
    let valid = true;
    try { JSON.parse(text); } catch { valid = false; }
    if (valid !== (findJsonSyntaxError(text) === undefined)) {
      disagreements++;
      if (disagreements <= 5) t.fail(`disagrees with JSON.parse on ${JSON.stringify(text)}`);
    }
  }
  t.equal(disagreements, 0);
});

t.test('showString() and showValue(): names and numbers are shown, secrets described', async (t) => {
  t.equal(showString('CAP_NET_RAW'), '"CAP_NET_RAW"');
  t.equal(showString('/usr/lib/x86_64-linux-gnu/libc.so.6'), '"/usr/lib/x86_64-linux-gnu/libc.so.6"');
  t.equal(showString(HEX_KEY), '<a string of 64 characters>');
  t.equal(showString('ghp_16charsAndMoreXyz'), '<a string of 21 characters>', 'a token');
  t.equal(showString('$y$j9T$abc'), '<a string of 10 characters>', 'a crypt hash');
  t.equal(showString('two words'), '<a string of 9 characters>');
  t.equal(showValue(3), '3');
  t.equal(showValue(12345678901234567890), '<a number>');
  t.equal(showValue({ private_key: 'x' }), '<an object>');
  t.equal(showValue(['a']), '<an array>');
  t.equal(showValue(null), 'null');
});
