/*
 * The bench's decapsulating responder: the fast C stand-in for a router, so the prober, not the
 * responder, is what the throughput figure measures. It receives GRE (IP protocol 47) on a raw socket,
 * strips the outer IPv4 + plain 4-byte GRE header and sends the inner IPv4 packet as it is on an
 * IPPROTO_RAW socket (the inner header already carries the right source). recvmmsg takes up to 64
 * packets per system call and sendmmsg forwards the whole batch in one more, so the per-packet cost is
 * the kernel's, not system-call overhead. Anything that is not plain GRE carrying IPv4 is
 * counted and dropped. SIGTERM/SIGINT print "received forwarded malformed" and exit; SIGUSR1 prints
 * them without exiting.
 *
 * usage: gre-responder
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define SNAP 2048

static volatile sig_atomic_t stop_requested = 0, report_requested = 0;
static void on_stop(int sig) { (void)sig; stop_requested = 1; }
static void on_report(int sig) { (void)sig; report_requested = 1; }

int main(void) {
  int rx = socket(AF_INET, SOCK_RAW, 47);
  int tx = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (rx < 0 || tx < 0) { perror("gre-responder: socket"); return 2; }
  int size = 8 << 20;
  setsockopt(rx, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
  setsockopt(tx, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size);
  struct sigaction sa = {0};
  sa.sa_handler = on_stop; sigaction(SIGTERM, &sa, NULL); sigaction(SIGINT, &sa, NULL);
  sa.sa_handler = on_report; sigaction(SIGUSR1, &sa, NULL);

  static unsigned char bufs[BATCH][SNAP];
  struct mmsghdr msgs[BATCH];
  struct iovec iovs[BATCH];
  for (int i = 0; i < BATCH; i++) {
    iovs[i].iov_base = bufs[i]; iovs[i].iov_len = SNAP;
    memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_iov = &iovs[i]; msgs[i].msg_hdr.msg_iovlen = 1;
  }
  struct mmsghdr outMsgs[BATCH];
  struct iovec outIovs[BATCH];
  struct sockaddr_in dests[BATCH];
  for (int i = 0; i < BATCH; i++) {
    memset(&outMsgs[i], 0, sizeof outMsgs[i]);
    outMsgs[i].msg_hdr.msg_iov = &outIovs[i]; outMsgs[i].msg_hdr.msg_iovlen = 1;
    outMsgs[i].msg_hdr.msg_name = &dests[i]; outMsgs[i].msg_hdr.msg_namelen = sizeof dests[i];
  }
  unsigned long long received = 0, forwarded = 0, malformed = 0;
  printf("ready\n"); fflush(stdout);
  while (!stop_requested) {
    if (report_requested) { report_requested = 0; printf("%llu %llu %llu\n", received, forwarded, malformed); fflush(stdout); }
    int n = recvmmsg(rx, msgs, BATCH, MSG_WAITFORONE, NULL);
    if (n < 0) { if (errno == EINTR) continue; perror("gre-responder: recvmmsg"); return 2; }
    int out = 0;
    for (int i = 0; i < n; i++) {
      unsigned char *p = bufs[i];
      unsigned len = msgs[i].msg_len;
      received++;
      unsigned ihl = (p[0] & 0x0f) * 4u;
      /* plain GRE: no C/K/S bits, version 0, protocol type 0x0800; then an inner IPv4 header */
      if (len < ihl + 4 + 20 || (p[0] >> 4) != 4 || p[ihl] != 0 || p[ihl + 1] != 0 || p[ihl + 2] != 0x08 || p[ihl + 3] != 0) { malformed++; continue; }
      unsigned char *inner = p + ihl + 4;
      unsigned inner_len = len - ihl - 4;
      memset(&dests[out], 0, sizeof dests[out]);
      dests[out].sin_family = AF_INET;
      memcpy(&dests[out].sin_addr, inner + 16, 4);
      outIovs[out].iov_base = inner; outIovs[out].iov_len = inner_len;
      out++;
    }
    for (int done = 0; done < out;) {
      int sent = sendmmsg(tx, outMsgs + done, out - done, 0);
      if (sent <= 0) break; /* a refused packet (say ENETUNREACH) loses the rest of this batch */
      done += sent; forwarded += sent;
    }
  }
  printf("%llu %llu %llu\n", received, forwarded, malformed);
  return 0;
}
