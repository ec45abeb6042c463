{
  "targets": [
    {
      "target_name": "jailctl_native",
      "conditions": [["OS!='linux'", {"type": "none"}]],
      "sources": ["native/addon.c", "native/packet.c", "native/launcher-spawn.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-fvisibility=hidden", "-fstack-protector-strong"]
    },
    {
      "target_name": "jailctl-launch",
      "type": "executable",
      "conditions": [["OS!='linux'", {"type": "none"}]],
      "sources": ["native/launch.c", "native/jail.c", "native/ops.c", "native/mount-ops.c", "native/plan.c", "native/reader.c", "native/plan-file.c", "native/stored-plan.c", "native/fingerprint.c", "native/failsafe/hmac-sha256.c", "native/fail.c", "native/resident.c", "native/trace.c", "native/trace-out.c", "native/trace-count.c", "native/trace-ring.c", "native/trace-wait.c", "native/trace-programs.c", "native/bpf-asm.c", "native/start.c", "native/service.c", "native/notify.c", "native/bpf-eval.c", "native/seccomp-ops.c", "native/errname.c", "native/children.c"],
      "cflags": ["-std=gnu11", "-Os", "-Wall", "-Wextra", "-Werror", "-fstack-protector-strong"],
      "ldflags": ["-static", "-s"]
    }
  ]
}
