// jailctl's jshn.sh under busybox ash and dash: building, dumping, loading, reading, selecting,
// the munged keys and 1-based arrays scripts rely on, and round trips through the jshn tool.
import t from 'tap';
import { runLibrary, shells, uciDirs } from '../../../helpers/openwrt-shell.js';

for (const shell of shells()) {
  t.test(`${shell.name}: build and dump`, async (t) => {
    const r = runLibrary(shell.argv, `
      json_init
      json_add_string name "it's \\"q\\""
      json_add_int port 22
      json_add_boolean on 1
      json_add_double ratio 0.5
      json_add_null nothing
      json_add_object "child-obj"
        json_add_string "a.b" x
      json_close_object
      json_add_array list
        json_add_string "" one
        json_push_int 2
        json_add_object ""
          json_add_fields "k=v" "n:int=3" "skip:weird=1"
        json_close_object
      json_close_array
      json_dump
      json_pretty; json_dump; json_compact; json_dump; echo
    `, uciDirs(t));
    t.equal(r.stderr, '');
    t.equal(r.stdout, [
      '{ "name": "it\'s \\"q\\"", "port": 22, "on": true, "ratio": 0.5, "nothing": null, "child-obj": { "a.b": "x" }, "list": [ "one", 2, { "k": "v", "n": 3 } ] }',
      '{\n\t"name": "it\'s \\"q\\"",\n\t"port": 22,\n\t"on": true,\n\t"ratio": 0.500000,\n\t"nothing": null,\n\t"child-obj": {\n\t\t"a.b": "x"\n\t},\n\t"list": [\n\t\t"one",\n\t\t2,\n\t\t{\n\t\t\t"k": "v",\n\t\t\t"n": 3\n\t\t}\n\t]\n}',
      '{ "name": "it\'s \\"q\\"", "port": 22, "on": true, "ratio": 0.5, "nothing": null, "child-obj": { "a.b": "x" }, "list": [ "one", 2, { "k": "v", "n": 3 } ] }',
      '',
    ].join('\n'));
  });

  t.test(`${shell.name}: load and read`, async (t) => {
    const r = runLibrary(shell.argv, `
      json_load '{"ipv4-address":[{"address":"10.0.0.1","mask":24},{"address":"10.0.0.2","mask":8}],"up":true,"proto":"static","dns":["1.1.1.1","9.9.9.9"],"empty":""}'
      echo "load=$?"
      json_get_keys keys; echo "keys=$keys"
      json_get_var up up; json_get_var proto proto; echo "up=$up proto=$proto"
      json_get_var missing nope fallback; echo "missing=$missing st=$?"
      json_get_var e empty dflt; echo "empty=$e"
      json_get_type t ipv4-address; echo "type=$t"
      json_is_a dns array && echo dns-is-array
      json_select ipv4-address; json_get_keys idx; echo "items=$idx"
      json_select 2; json_get_vars address mask; json_get_index i; echo "second=$address/$mask index=$i"
      json_select ..; json_select ..
      json_get_values servers dns; echo "servers=$servers"
      each() { echo "item $2: $1 ($3)"; }
      json_for_each_item each dns arg
      json_select nope; echo "select=$?"
      json_select ""; json_get_var p proto; echo "root=$p"
      json_cleanup; json_get_var gone proto; echo "gone=[$gone]"
    `, uciDirs(t));
    t.equal(r.stdout, 'load=0\nkeys=ipv4_address up proto dns empty\nup=1 proto=static\nmissing=fallback st=0\nempty=dflt\ntype=array\ndns-is-array\nitems=1 2\nsecond=10.0.0.2/8 index=2\nservers=1.1.1.1 9.9.9.9\nitem 1: 1.1.1.1 (arg)\nitem 2: 9.9.9.9 (arg)\nselect=1\nroot=static\ngone=[]\n');
    t.equal(r.stderr, "WARNING: Variable 'nope' does not exist or is not an array/object\n");
  });

  t.test(`${shell.name}: round trip and namespaces`, async (t) => {
    const r = runLibrary(shell.argv, `
      json_load '{"a":{"b":[1,2.5,"x",false,null]},"c-d":"e f"}'
      first=$(json_dump)
      json_load "$first"
      echo "$first"; json_dump
      json_set_namespace other old
      json_init; json_add_string only here; json_dump
      json_set_namespace "$old"
      json_get_var c c-d; echo "back=$c"
      json_load 'not json'; echo "bad=$?"
      json_get_var still c-d; echo "kept=$still"
    `, uciDirs(t));
    // as with OpenWrt's jshn, a loaded key keeps only its shell spelling: c-d comes back as c_d
    t.equal(r.stdout, '{ "a": { "b": [ 1, 2.5, "x", false, null ] }, "c_d": "e f" }\n{ "a": { "b": [ 1, 2.5, "x", false, null ] }, "c_d": "e f" }\n{ "only": "here" }\nback=e f\nbad=0\nkept=e f\n');
    t.match(r.stderr, /Failed to parse message data/, "as with OpenWrt's, a failed load leaves the old object and returns 0");
  });
}
