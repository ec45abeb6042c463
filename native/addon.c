/* N-API glue only: unpack arguments, call, throw. The addon replaces the Node process with
 * the native launcher (Node 20 has no execve), handing it the encoded plan in a memfd, or with
 * another of jailctl's programs (the failsafe daemon); or starts the launcher as a child that a
 * trace reads records from (launcher-spawn.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher-spawn.h"
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
  int fd = jc_plan_memfd(data, length, 0); /* no close-on-exec: the launcher inherits it */
  if (fd < 0) return throw_errno(env, "write plan", -fd);
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

/* A Uint8Array argument's bytes; false after throwing. */
static bool typed_bytes(napi_env env, napi_value value, const char *name, void **data, size_t *length) {
  bool is_typed;
  napi_typedarray_type type;
  size_t offset;
  napi_value buffer;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, length, data, &buffer, &offset) != napi_ok || type != napi_uint8_array) {
    char msg[64];
    snprintf(msg, sizeof msg, "expected %s to be a Uint8Array", name);
    napi_throw_type_error(env, "EINVAL", msg);
    return false;
  }
  return true;
}

/* spawnLauncher(launcherPath: string, plan: Uint8Array, stdoutToStderr: boolean)
 *   -> {pid, traceFd}; throws an Error whose code is the errno name. */
static napi_value spawn_launcher(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char path[4096];
  size_t path_len, length;
  void *data;
  bool to_stderr;
  if (argc != 3 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &path_len) != napi_ok || path_len == 0 ||
      napi_get_value_bool(env, argv[2], &to_stderr) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "expected spawnLauncher(path, plan, stdoutToStderr)");
    return NULL;
  }
  if (!typed_bytes(env, argv[1], "plan", &data, &length)) return NULL;
  pid_t pid;
  int trace_fd, rc = jc_spawn_launcher(path, data, length, to_stderr, &pid, &trace_fd);
  if (rc < 0) return throw_errno(env, path, -rc);
  napi_value result, pid_value, fd_value;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_int32(env, pid, &pid_value));
  CHECK(napi_create_int32(env, trace_fd, &fd_value));
  CHECK(napi_set_named_property(env, result, "pid", pid_value));
  CHECK(napi_set_named_property(env, result, "traceFd", fd_value));
  return result;
}

struct wait_work {
  napi_async_work work;
  napi_deferred deferred;
  pid_t pid;
  int status, rc;
};

static void wait_execute(napi_env env, void *data) {
  (void)env;
  struct wait_work *w = data;
  w->rc = jc_wait_exit(w->pid);
}

static void wait_complete(napi_env env, napi_status status, void *data) {
  struct wait_work *w = data;
  napi_value result, code, signal;
  /* reaped here, on the main thread: until now a kill() of this pid could only reach our child */
  if (status == napi_ok && w->rc == 0) w->rc = jc_reap(w->pid, &w->status);
  if (status != napi_ok || w->rc < 0) {
    napi_value text, error;
    napi_create_string_utf8(env, status != napi_ok ? "waitpid was cancelled" : strerror(-w->rc), NAPI_AUTO_LENGTH, &text);
    napi_create_error(env, NULL, text, &error);
    napi_reject_deferred(env, w->deferred, error);
  } else {
    napi_create_object(env, &result);
    napi_get_null(env, &code);
    napi_get_null(env, &signal);
    if (WIFEXITED(w->status)) napi_create_int32(env, WEXITSTATUS(w->status), &code);
    else if (WIFSIGNALED(w->status)) napi_create_int32(env, WTERMSIG(w->status), &signal);
    napi_set_named_property(env, result, "code", code);
    napi_set_named_property(env, result, "signal", signal);
    napi_resolve_deferred(env, w->deferred, result);
  }
  napi_delete_async_work(env, w->work);
  free(w);
}

/* waitChild(pid: number) -> Promise<{code: number | null, signal: number | null}>: waits for the
 * child's exit on a thread-pool thread and reaps it on the main one (nothing else in jailctl
 * waits for it). */
static napi_value wait_child(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], promise, name;
  int32_t pid;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1 || napi_get_value_int32(env, argv[0], &pid) != napi_ok || pid <= 0) {
    napi_throw_type_error(env, "EINVAL", "expected waitChild(pid)");
    return NULL;
  }
  struct wait_work *w = calloc(1, sizeof *w);
  if (!w) return throw_errno(env, "calloc", ENOMEM);
  w->pid = pid;
  CHECK(napi_create_promise(env, &w->deferred, &promise));
  CHECK(napi_create_string_utf8(env, "jailctl:waitChild", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_async_work(env, NULL, name, wait_execute, wait_complete, w, &w->work));
  CHECK(napi_queue_async_work(env, w->work));
  return promise;
}

/* A JavaScript array of strings as a NULL-terminated vector in one block; NULL after throwing. */
static char **string_vector(napi_env env, napi_value array, const char *name) {
  bool is_array;
  uint32_t n;
  if (napi_is_array(env, array, &is_array) != napi_ok || !is_array || napi_get_array_length(env, array, &n) != napi_ok) {
    char msg[64];
    snprintf(msg, sizeof msg, "expected %s to be an array of strings", name);
    napi_throw_type_error(env, "EINVAL", msg);
    return NULL;
  }
  size_t total = 0, len;
  napi_value item;
  for (uint32_t i = 0; i < n; i++) {
    if (napi_get_element(env, array, i, &item) != napi_ok || napi_get_value_string_utf8(env, item, NULL, 0, &len) != napi_ok) {
      napi_throw_type_error(env, "EINVAL", "expected an array of strings");
      return NULL;
    }
    total += len + 1;
  }
  char **vec = malloc((n + 1) * sizeof *vec + total);
  if (!vec) { throw_errno(env, "malloc", ENOMEM); return NULL; }
  char *at = (char *)(vec + n + 1);
  for (uint32_t i = 0; i < n; i++) {
    napi_get_element(env, array, i, &item);
    napi_get_value_string_utf8(env, item, at, total, &len);
    vec[i] = at;
    at += len + 1;
    total -= len + 1;
  }
  vec[n] = NULL;
  return vec;
}

/* execProgram(path: string, argv: string[], env: string[]): never returns on success. */
static napi_value exec_program(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char path[4096];
  size_t path_len;
  if (argc != 3 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &path_len) != napi_ok || path_len == 0) {
    napi_throw_type_error(env, "EINVAL", "expected execProgram(path, argv, env) with a non-empty path");
    return NULL;
  }
  char **args = string_vector(env, argv[1], "argv");
  if (!args) return NULL;
  char **envp = string_vector(env, argv[2], "env");
  if (!envp) { free(args); return NULL; }
  for (int std = 0; std < 3; std++) {
    int flags = fcntl(std, F_GETFD);
    if (flags >= 0) fcntl(std, F_SETFD, flags & ~FD_CLOEXEC);
  }
  execve(path, args, envp);
  int e = errno;
  free(args);
  free(envp);
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
    {"execProgram", NULL, exec_program, NULL, NULL, NULL, napi_enumerable, NULL},
    {"spawnLauncher", NULL, spawn_launcher, NULL, NULL, NULL, napi_enumerable, NULL},
    {"waitChild", NULL, wait_child, NULL, NULL, NULL, napi_enumerable, NULL},
    {"openPacketSocket", NULL, open_packet_socket, NULL, NULL, NULL, napi_enumerable, NULL},
    {"version", NULL, version, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
