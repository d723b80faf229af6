/*
 * Yardstick for the `none` method: a plain loopback TCP copy. One thread sends N bytes over 127.0.0.1 to
 * another with 1 MiB write()/read() calls and no processing, which bounds what a migration with no
 * compression can reach on this host. Modes:
 *   reuse   the sender writes one 1 MiB buffer again and again, the receiver reads into one 1 MiB buffer:
 *           both stay in cache (the plain copy);
 *   memory  the sender writes from, and the receiver reads into, buffers of all N bytes, both written before
 *           timing: a migration's work (source guest memory to already backed destination memory);
 *   fresh   like reuse on the sender, but the receiver reads into a new anonymous mapping of all N bytes, so
 *           it pays the first-touch page faults of a destination filling fresh (lazily backed) guest memory.
 *
 * Run:    socket_copy [bytes] [repeats] [reuse|memory|fresh]   (default 1 GiB, 3 repeats, reuse; best repeat)
 * Prints one line of key=value pairs.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF (1 << 20)

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

enum mode { REUSE, FRESH, MEMORY };

struct receiver { int listen_fd; long long expected; long long received; enum mode mode; char *target; };

static void *receive(void *arg) {
    struct receiver *r = arg;
    int fd = accept(r->listen_fd, NULL, NULL);
    if (fd < 0) { perror("accept"); exit(1); }
    ssize_t n;
    if (r->mode != REUSE) {
        char *region = r->target;
        if (r->mode == FRESH) {
            region = mmap(NULL, r->expected, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
            if (region == MAP_FAILED) { perror("mmap"); exit(1); }
        }
        while (r->received < r->expected) {
            long long left = r->expected - r->received;
            if ((n = read(fd, region + r->received, left < BUF ? (size_t)left : BUF)) <= 0) break;
            r->received += n;
        }
        if (r->mode == FRESH) munmap(region, r->expected);
    } else {
        char *buf = malloc(BUF);
        while (r->received < r->expected && (n = read(fd, buf, BUF)) > 0) r->received += n;
        free(buf);
    }
    close(fd);
    return NULL;
}

int main(int argc, char **argv) {
    long long bytes = argc > 1 ? atoll(argv[1]) : (1LL << 30);
    int repeats = argc > 2 ? atoi(argv[2]) : 3;
    enum mode mode = REUSE;
    if (argc > 3 && !strcmp(argv[3], "fresh")) mode = FRESH;
    else if (argc > 3 && !strcmp(argv[3], "memory")) mode = MEMORY;
    if (bytes <= 0 || repeats < 1 || (argc > 3 && mode == REUSE && strcmp(argv[3], "reuse"))) {
        fprintf(stderr, "usage: %s [bytes > 0] [repeats >= 1] [reuse|fresh|memory]\n", argv[0]);
        return 2;
    }
    char *buf = malloc(BUF);
    for (int i = 0; i < BUF; i++) buf[i] = (char)(i * 31 + 7);
    /* memory: send from, and receive into, buffers of all the bytes, written before timing (memory, not cache) */
    char *source = NULL, *target = NULL;
    if (mode == MEMORY) {
        source = malloc(bytes);
        target = malloc(bytes);
        if (!source || !target) { perror("malloc"); return 1; }
        for (long long i = 0; i < bytes; i++) source[i] = (char)(i * 31 + 7);
        memset(target, 0, bytes);
    }
    double best = 1e30;
    for (int rep = 0; rep < repeats; rep++) {
        int lfd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t alen = sizeof a;
        if (bind(lfd, (struct sockaddr *)&a, sizeof a) || listen(lfd, 1) || getsockname(lfd, (struct sockaddr *)&a, &alen)) {
            perror("bind/listen"); return 1;
        }
        struct receiver r = { lfd, bytes, 0, mode, target };
        pthread_t t;
        pthread_create(&t, NULL, receive, &r);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&a, sizeof a)) { perror("connect"); return 1; }
        double t0 = now();
        long long sent = 0;
        while (sent < bytes) {
            size_t want = bytes - sent < BUF ? (size_t)(bytes - sent) : BUF;
            ssize_t n = write(fd, mode == MEMORY ? source + sent : buf, want);
            if (n <= 0) { perror("write"); return 1; }
            sent += n;
        }
        pthread_join(t, NULL);
        double dt = now() - t0;
        close(fd);
        close(lfd);
        if (r.received != bytes) { fprintf(stderr, "received %lld of %lld bytes\n", r.received, bytes); return 1; }
        if (dt < best) best = dt;
    }
    printf("mode=%s bytes=%lld copy_bytes_per_s=%.0f copy_MBps=%.1f copy_Mbitps=%.0f\n",
           mode == FRESH ? "fresh" : mode == MEMORY ? "memory" : "reuse", bytes, bytes / best, bytes / best / 1e6, bytes * 8 / best / 1e6);
    return 0;
}
