/* N-API glue only: unpack arguments, call, throw. The addon replaces the Node process with
 * the native launcher (Node 20 has no execve), handing it the encoded plan in a memfd. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "packet.h"

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, "NATIVE_FAILED", #call " failed"); return NULL; } } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value code, text, error;
  napi_create_string_utf8(env, strerrorname_np(err) ? strerrorname_np(err) : "EIO", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &error);
  napi_throw(env, error);
  return NULL;
}

static int write_all(int fd, const unsigned char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

/* execLauncher(launcherPath: string, plan: Uint8Array): never returns on success. */
static napi_value exec_launcher(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 2) { napi_throw_type_error(env, "EINVAL", "expected execLauncher(path, plan)"); return NULL; }
  char path[4096];
  size_t path_len;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &path_len) != napi_ok || path_len == 0) {
    napi_throw_type_error(env, "EINVAL", "expected launcherPath to be a non-empty string");
    return NULL;
  }
  bool is_typed;
  CHECK(napi_is_typedarray(env, argv[1], &is_typed));
  if (!is_typed) { napi_throw_type_error(env, "EINVAL", "expected plan to be a Uint8Array"); return NULL; }
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  napi_value buffer;
  CHECK(napi_get_typedarray_info(env, argv[1], &type, &length, &data, &buffer, &offset));
  int fd = memfd_create("jailctl-plan", 0); /* no CLOEXEC: the launcher inherits it */
  if (fd < 0) return throw_errno(env, "memfd_create", errno);
  if (write_all(fd, data, length) < 0 || lseek(fd, 0, SEEK_SET) < 0) { int e = errno; close(fd); return throw_errno(env, "write plan", e); }
  /* Node marks every descriptor close-on-exec at start-up; stdio must reach the launcher */
  for (int std = 0; std < 3; std++) {
    int flags = fcntl(std, F_GETFD);
    if (flags >= 0) fcntl(std, F_SETFD, flags & ~FD_CLOEXEC);
  }
  char fd_arg[16];
  snprintf(fd_arg, sizeof fd_arg, "%d", fd);
  char *const args[] = {"jailctl-launch", fd_arg, NULL};
  char *const envp[] = {NULL};
  execve(path, args, envp);
  int e = errno;
  close(fd);
  return throw_errno(env, path, e);
}

/* openPacketSocket(ifname: string, ethertype: number, recvTimeoutMs: number)
 *   -> {fd, ifindex, mac: Buffer}; throws an Error whose code is the errno name. */
static napi_value open_packet_socket(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char ifname[64];
  size_t len;
  uint32_t ethertype, timeout_ms;
  if (argc != 3 || napi_get_value_string_utf8(env, argv[0], ifname, sizeof ifname, &len) != napi_ok || len == 0) {
    napi_throw_type_error(env, "EINVAL", "expected ifname to be a non-empty string");
    return NULL;
  }
  if (napi_get_value_uint32(env, argv[1], &ethertype) != napi_ok || ethertype > 0xffff ||
      napi_get_value_uint32(env, argv[2], &timeout_ms) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "expected ethertype and recvTimeoutMs to be numbers");
    return NULL;
  }
  struct jc_packet_socket ps;
  const char *call = "";
  int rc = jc_packet_open(ifname, (uint16_t)ethertype, (int)timeout_ms, &ps, &call);
  if (rc < 0) return throw_errno(env, call, -rc);
  napi_value result, fd, ifindex, mac;
  void *mac_data;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_int32(env, ps.fd, &fd));
  CHECK(napi_create_int32(env, ps.ifindex, &ifindex));
  CHECK(napi_create_buffer_copy(env, 6, ps.mac, &mac_data, &mac));
  CHECK(napi_set_named_property(env, result, "fd", fd));
  CHECK(napi_set_named_property(env, result, "ifindex", ifindex));
  CHECK(napi_set_named_property(env, result, "mac", mac));
  return result;
}

static napi_value version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  napi_create_uint32(env, 1, &v);
  return v;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor props[] = {
    {"execLauncher", NULL, exec_launcher, NULL, NULL, NULL, napi_enumerable, NULL},
    {"openPacketSocket", NULL, open_packet_socket, NULL, NULL, NULL, napi_enumerable, NULL},
    {"version", NULL, version, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
