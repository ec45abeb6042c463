#!/usr/bin/python3
# Test helper: builds libseccomp filters (python3-seccomp, Debian's /usr/bin/python3) for
# requests read as JSON on stdin, and prints their BPF (base64, and the pseudo filter code when
# asked) as JSON on stdout.
# Used by test/helpers/libseccomp.ts to compare jailctl's compiler with libseccomp's.
import base64, json, sys, tempfile
import seccomp as S

OPS = {'EQ': S.EQ, 'NE': S.NE, 'LT': S.LT, 'LE': S.LE, 'GT': S.GT, 'GE': S.GE, 'MASKED_EQ': S.MASKED_EQ}


def action(a):
    kind = a['kind']
    if kind == 'ERRNO':
        return S.ERRNO(a['errno'])
    if kind == 'TRACE':
        return S.TRACE(a['data'])
    return {'ALLOW': S.ALLOW, 'KILL_PROCESS': S.KILL_PROCESS, 'KILL_THREAD': S.KILL,
            'TRAP': S.TRAP, 'LOG': S.LOG, 'NOTIFY': S.NOTIFY}[kind]


def build(req):
    f = S.SyscallFilter(defaction=action(req['defaultAction']))
    native = S.system_arch() & 0xffffffff
    wanted = [getattr(S.Arch, a) for a in req['arches']]
    # drop the native arch first when not wanted: a filter holds one byte order only
    if native not in [a & 0xffffffff for a in wanted]:
        f.remove_arch(S.Arch.NATIVE)
    for arch in wanted:
        if arch & 0xffffffff != native:
            f.add_arch(arch)
    f.set_attr(S.Attr.ACT_BADARCH, action(req.get('badArch', {'kind': 'KILL_PROCESS'})))
    f.set_attr(S.Attr.CTL_OPTIMIZE, req.get('optimize', 1))
    skipped = []
    for rule in req['rules']:
        args = [S.Arg(c['index'], OPS[c['op']], int(c['value']), int(c.get('valueTwo', '0'))) for c in rule['args']]
        try:
            f.add_rule(action(rule['action']), rule['syscall'], *args)
        except Exception as e:
            skipped.append('%s: %s' % (rule['syscall'], e))
    for name, prio in req.get('priorities', {}).items():
        try:
            f.syscall_priority(name, prio)
        except Exception:
            pass
    with tempfile.TemporaryFile() as tmp:
        f.export_bpf(tmp)
        tmp.seek(0)
        bpf = tmp.read()
    out = {'bpf': base64.b64encode(bpf).decode(), 'skipped': skipped}
    if req.get('pfc'):
        with tempfile.TemporaryFile() as tmp:
            f.export_pfc(tmp)
            tmp.seek(0)
            out['pfc'] = tmp.read().decode()
    return out


def main():
    out = []
    for req in json.load(sys.stdin):
        try:
            out.append(build(req))
        except Exception as e:
            out.append({'error': str(e)})
    json.dump(out, sys.stdout)


main()
