/* UDP and raw-frame endpoints of the failsafe daemon (see net.h; packet(7), udp(7)). */
#define _GNU_SOURCE
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../packet.h"

#define ETH_HEADER 14
#define FRAME_MAX 2048
#define UDP_HINT "give --udp ADDR:PORT with an address of this host that is not in use (0 disables UDP)"

static void format_mac(const uint8_t *mac, char *out, size_t size) {
  snprintf(out, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/* ADDR:PORT or [V6]:PORT into a socket address; returns 0 or -1. */
static int parse_spec(const char *spec, struct sockaddr_storage *ss, socklen_t *len, int *family) {
  char host[64];
  const char *colon = strrchr(spec, ':');
  if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host) return -1;
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end != '\0' || end == colon + 1 || port < 1 || port > 65535) return -1;
  memcpy(host, spec, (size_t)(colon - spec));
  host[colon - spec] = '\0';
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
  size_t hl = strlen(host);
  if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
    host[hl - 1] = '\0';
    if (inet_pton(AF_INET6, host + 1, &v6->sin6_addr) != 1) return -1;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    *len = sizeof *v6;
    *family = AF_INET6;
    return 0;
  }
  if (inet_pton(AF_INET, host, &v4->sin_addr) != 1) return -1;
  v4->sin_family = AF_INET;
  v4->sin_port = htons((uint16_t)port);
  *len = sizeof *v4;
  *family = AF_INET;
  return 0;
}

int jc_fs_open_udp(const char *spec, struct jc_fs_endpoint *ep, struct jc_fs_error *e) {
  struct sockaddr_storage ss;
  socklen_t len;
  int family, one = 1;
  char why[96];
  if (parse_spec(spec, &ss, &len, &family) < 0) return jc_fs_fail(e, UDP_HINT, "--udp %s: expected ADDR:PORT or [V6ADDR]:PORT", spec);
  memset(ep, 0, sizeof *ep);
  ep->link = JC_FS_LINK_UDP;
  snprintf(ep->description, sizeof ep->description, "udp %s", spec);
  ep->fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (ep->fd < 0) return jc_fs_fail(e, UDP_HINT, "cannot listen on %s: socket(2): %s", ep->description, jc_fs_errno_text(errno, why, sizeof why));
  if (family == AF_INET6) setsockopt(ep->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind(ep->fd, (struct sockaddr *)&ss, len) < 0) {
    int err = errno;
    close(ep->fd);
    return jc_fs_fail(e, UDP_HINT, "cannot listen on %s: bind(2): %s", ep->description, jc_fs_errno_text(err, why, sizeof why));
  }
  return 0;
}

int jc_fs_open_raw(const char *ifname, struct jc_fs_endpoint *ep, struct jc_fs_error *e) {
  struct jc_packet_socket ps;
  const char *call = "";
  char why[96], mac[24];
  int rc = jc_packet_open(ifname, JC_FS_ETHERTYPE, 0, &ps, &call);
  if (rc == -ENODEV) return jc_fs_fail(e, "check the name with `ip link`; give --iface NAME of an existing interface", "raw frames on %s: no such interface (ENODEV)", ifname);
  if (rc < 0) {
    const char *hint = -rc == EPERM || -rc == EACCES ? "raw frames need CAP_NET_RAW: run as root, or drop --iface to use UDP only" : NULL;
    return jc_fs_fail(e, hint, "raw frames on %s: %s: %s", ifname, call, jc_fs_errno_text(-rc, why, sizeof why));
  }
  memset(ep, 0, sizeof *ep);
  ep->fd = ps.fd;
  ep->link = JC_FS_LINK_RAW;
  memcpy(ep->mac, ps.mac, 6);
  fcntl(ep->fd, F_SETFL, fcntl(ep->fd, F_GETFL) | O_NONBLOCK);
  format_mac(ep->mac, mac, sizeof mac);
  snprintf(ep->description, sizeof ep->description, "raw %s (%s, EtherType 0x88b5)", ifname, mac);
  return 0;
}

static void describe_addr(const struct sockaddr_storage *ss, char *out, size_t size) {
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)ss;
    inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
    port = ntohs(v4->sin_port);
  } else if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)ss;
    inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
    port = ntohs(v6->sin6_port);
  }
  snprintf(out, size, "%s:%u", host, port);
}

static ssize_t nothing_or_error(void) {
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -1 : -2;
}

ssize_t jc_fs_receive(const struct jc_fs_endpoint *ep, uint8_t *buf, size_t cap, struct jc_fs_peer *from) {
  if (ep->link == JC_FS_LINK_UDP) {
    from->addr_len = sizeof from->addr;
    /* MSG_TRUNC: the datagram's real length, so an oversized one is seen as such */
    ssize_t n = recvfrom(ep->fd, buf, cap, MSG_TRUNC, (struct sockaddr *)&from->addr, &from->addr_len);
    if (n < 0) return nothing_or_error();
    describe_addr(&from->addr, from->text, sizeof from->text);
    return n;
  }
  uint8_t frame[FRAME_MAX];
  ssize_t n = recv(ep->fd, frame, sizeof frame, MSG_TRUNC);
  if (n < 0) return nothing_or_error();
  if (n <= ETH_HEADER || frame[12] != (JC_FS_ETHERTYPE >> 8) || frame[13] != (JC_FS_ETHERTYPE & 0xff)) return 0;
  memcpy(from->mac, frame + 6, 6);
  format_mac(from->mac, from->text, sizeof from->text);
  size_t len = (size_t)n - ETH_HEADER, kept = n > FRAME_MAX ? FRAME_MAX - ETH_HEADER : len;
  memcpy(buf, frame + ETH_HEADER, kept < cap ? kept : cap);
  return (ssize_t)len;
}

int jc_fs_send(const struct jc_fs_endpoint *ep, const struct jc_fs_peer *to, const uint8_t *bytes, size_t len) {
  if (ep->link == JC_FS_LINK_UDP)
    return sendto(ep->fd, bytes, len, 0, (const struct sockaddr *)&to->addr, to->addr_len) == (ssize_t)len ? 0 : -1;
  uint8_t frame[ETH_HEADER + 128];
  if (len > sizeof frame - ETH_HEADER) { errno = EMSGSIZE; return -1; }
  memcpy(frame, to->mac, 6);
  memcpy(frame + 6, ep->mac, 6);
  frame[12] = JC_FS_ETHERTYPE >> 8;
  frame[13] = JC_FS_ETHERTYPE & 0xff;
  memcpy(frame + ETH_HEADER, bytes, len);
  return write(ep->fd, frame, ETH_HEADER + len) == (ssize_t)(ETH_HEADER + len) ? 0 : -1;
}
