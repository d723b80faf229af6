/*
 * Yardstick for the `none` method: a plain loopback TCP copy. One thread sends N bytes over 127.0.0.1 to
 * another with 1 MiB write()/read() buffers and no processing, which bounds what a migration with no
 * compression can reach on this host.
 *
 * With "fresh" the receiver reads into a new anonymous mapping of all N bytes instead of reusing one buffer,
 * so it pays the first-touch page faults a migration destination pays when it fills fresh guest memory;
 * this is context for the ratio, not the yardstick itself.
 *
 * Run:    socket_copy [bytes] [repeats] [reuse|fresh]   (default 1 GiB, 3 repeats, reuse; best repeat printed)
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

struct receiver { int listen_fd; long long expected; long long received; int fresh; };

static void *receive(void *arg) {
    struct receiver *r = arg;
    int fd = accept(r->listen_fd, NULL, NULL);
    if (fd < 0) { perror("accept"); exit(1); }
    ssize_t n;
    if (r->fresh) {
        char *region = mmap(NULL, r->expected, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (region == MAP_FAILED) { perror("mmap"); exit(1); }
        while (r->received < r->expected) {
            long long left = r->expected - r->received;
            if ((n = read(fd, region + r->received, left < BUF ? (size_t)left : BUF)) <= 0) break;
            r->received += n;
        }
        munmap(region, r->expected);
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
    int fresh = argc > 3 && !strcmp(argv[3], "fresh");
    if (bytes <= 0 || repeats < 1 || (argc > 3 && !fresh && strcmp(argv[3], "reuse"))) {
        fprintf(stderr, "usage: %s [bytes > 0] [repeats >= 1] [reuse|fresh]\n", argv[0]);
        return 2;
    }
    char *buf = malloc(BUF);
    for (int i = 0; i < BUF; i++) buf[i] = (char)(i * 31 + 7);
    double best = 1e30;
    for (int rep = 0; rep < repeats; rep++) {
        int lfd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t alen = sizeof a;
        if (bind(lfd, (struct sockaddr *)&a, sizeof a) || listen(lfd, 1) || getsockname(lfd, (struct sockaddr *)&a, &alen)) {
            perror("bind/listen"); return 1;
        }
        struct receiver r = { lfd, bytes, 0, fresh };
        pthread_t t;
        pthread_create(&t, NULL, receive, &r);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&a, sizeof a)) { perror("connect"); return 1; }
        double t0 = now();
        long long sent = 0;
        while (sent < bytes) {
            size_t want = bytes - sent < BUF ? (size_t)(bytes - sent) : BUF;
            ssize_t n = write(fd, buf, want);
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
           fresh ? "fresh" : "reuse", bytes, bytes / best, bytes / best / 1e6, bytes * 8 / best / 1e6);
    return 0;
}
