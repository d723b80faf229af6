/*
 * Yardstick for the engine's zero-page check: how fast one core finds the zero pages of an image with the
 * plainest C, memcmp of each 4 KiB page against a static zero page (as qpl_page_bench.c's is_zero does).
 *
 * Run:    zero_scan FILE [passes] [blocks]     (the same pages the Java zero-page benchmark reads)
 * Prints one line of key=value pairs. After one untimed warm-up pass, it times `blocks` blocks of `passes`
 * passes over the file and reports the fastest block (like a JMH iteration, a block is long enough to
 * time; the fastest is the one least disturbed on a shared machine).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE 4096

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int is_zero(const uint8_t *p) {
    static const uint8_t zero[PAGE];
    return memcmp(p, zero, PAGE) == 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [passes] [blocks]\n", argv[0]);
        return 2;
    }
    int passes = argc > 2 ? atoi(argv[2]) : 100;
    int blocks = argc > 3 ? atoi(argv[3]) : 10;
    if (passes < 1 || blocks < 1) { fprintf(stderr, "passes and blocks must be >= 1\n"); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 2; }
    fseek(f, 0, SEEK_END);
    long size = ftell(f) / PAGE * PAGE;
    fseek(f, 0, SEEK_SET);
    if (size == 0) { fprintf(stderr, "%s: smaller than one page\n", argv[1]); return 2; }
    uint8_t *in = aligned_alloc(PAGE, size);
    if (!in || fread(in, 1, size, f) != (size_t)size) { perror("read"); return 2; }
    fclose(f);
    long pages = size / PAGE, zero = 0;
    for (long i = 0; i < pages; i++) zero += is_zero(in + i * PAGE); /* warm-up, and the count */
    double best = 1e30;
    for (int b = 0; b < blocks; b++) {
        long check = 0;
        double t0 = now();
        for (int r = 0; r < passes; r++) {
            for (long i = 0; i < pages; i++) check += is_zero(in + i * PAGE);
        }
        double per_pass = (now() - t0) / passes;
        if (check != zero * passes) { fprintf(stderr, "zero page count changed between passes\n"); return 1; }
        if (per_pass < best) best = per_pass;
    }
    printf("pages=%ld zero_pages=%ld passes=%d blocks=%d scan_pages_per_s=%.0f scan_bytes_per_s=%.0f scan_MBps=%.1f\n",
           pages, zero, passes, blocks, pages / best, size / best, size / best / 1e6);
    return 0;
}
