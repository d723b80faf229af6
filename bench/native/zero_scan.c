/*
 * Yardstick for the engine's zero-page check: how fast one core finds the zero pages of an image with the
 * plainest C, memcmp of each 4 KiB page against a static zero page (as qpl_page_bench.c's is_zero does).
 *
 * Run:    zero_scan FILE [repeats]     (the same guest image the Java zero-page benchmark reads)
 * Prints one line of key=value pairs; the rate is the best of the repeats, over all pages scanned.
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
        fprintf(stderr, "usage: %s FILE [repeats]\n", argv[0]);
        return 2;
    }
    int repeats = argc > 2 ? atoi(argv[2]) : 5;
    if (repeats < 1) { fprintf(stderr, "repeats must be >= 1, got %s\n", argv[2]); return 2; }
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
    double best = 1e30;
    for (int r = 0; r < repeats; r++) {
        double t0 = now();
        long z = 0;
        for (long i = 0; i < pages; i++) z += is_zero(in + i * PAGE);
        double t = now() - t0;
        if (t < best) best = t;
        zero = z;
    }
    printf("pages=%ld zero_pages=%ld scan_pages_per_s=%.0f scan_bytes_per_s=%.0f scan_MBps=%.1f\n",
           pages, zero, pages / best, size / best, size / best / 1e6);
    return 0;
}
