/* How failsafe packets travel: UDP datagrams on given addresses, and the payload of Ethernet
 * frames with EtherType 0x88B5 on given interfaces (AF_PACKET, needs CAP_NET_RAW). Carries bytes
 * only; every decision about them is the verifier's. Sockets are non-blocking and close-on-exec. */
#ifndef JC_FS_NET_H
#define JC_FS_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include "log.h"

#define JC_FS_ETHERTYPE 0x88b5

enum jc_fs_link { JC_FS_LINK_UDP, JC_FS_LINK_RAW };

struct jc_fs_endpoint {
  int fd;
  enum jc_fs_link link;
  uint8_t mac[6];          /* RAW: ours, the source of replies */
  char description[96];    /* "udp 127.0.0.1:4919", "raw lo (00:00:00:00:00:00, EtherType 0x88b5)" */
};

/* Where a packet came from, so that the reply goes there and nowhere else. */
struct jc_fs_peer {
  struct sockaddr_storage addr; /* UDP */
  socklen_t addr_len;
  uint8_t mac[6];               /* RAW */
  char text[64];                /* "127.0.0.1:5000", "aa:bb:cc:dd:ee:ff" */
};

/* SPEC is ADDR:PORT or [V6ADDR]:PORT. */
int jc_fs_open_udp(const char *spec, struct jc_fs_endpoint *ep, struct jc_fs_error *e);
int jc_fs_open_raw(const char *ifname, struct jc_fs_endpoint *ep, struct jc_fs_error *e);

/* The next packet's payload into buf: its length (> cap means too long: truncated), 0 for a
 * frame that is not ours, -1 when nothing is waiting, -2 on an error (errno). */
ssize_t jc_fs_receive(const struct jc_fs_endpoint *ep, uint8_t *buf, size_t cap, struct jc_fs_peer *from);

/* Sends bytes back to the peer; 0 or -1 (errno). */
int jc_fs_send(const struct jc_fs_endpoint *ep, const struct jc_fs_peer *to, const uint8_t *bytes, size_t len);

#endif
