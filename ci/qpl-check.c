/*
 * Smoke check for a libqpl shared object, used by ci/provision-libqpl.sh.
 *   qpl-check LIBRARY   dlopen LIBRARY, print qpl_get_library_version(), then (when built with
 *                       QPL_CHECK_ROUNDTRIP and the qpl headers) compress one 4 KiB page on the
 *                       software path and decompress it back, comparing the bytes.
 * Prints "version=<v>" on success; exits non-zero with a reason on stderr otherwise.
 * The library is reached only through dlopen/dlsym so the check says nothing about the link-time
 * environment, only about what a JVM calling System.load would see.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef QPL_CHECK_ROUNDTRIP
#include <qpl/qpl.h>
#endif

#define PAGE_SIZE 4096

static void *need(void *lib, const char *name)
{
    void *symbol = dlsym(lib, name);
    if (symbol == NULL) {
        fprintf(stderr, "qpl-check: symbol %s not found: %s\n", name, dlerror());
        exit(3);
    }
    return symbol;
}

#ifdef QPL_CHECK_ROUNDTRIP
typedef qpl_status (*get_job_size_fn)(qpl_path_t, uint32_t *);
typedef qpl_status (*job_fn)(qpl_job *);
typedef qpl_status (*init_job_fn)(qpl_path_t, qpl_job *);

static int roundtrip(void *lib)
{
    get_job_size_fn get_job_size = (get_job_size_fn)need(lib, "qpl_get_job_size");
    init_job_fn init_job = (init_job_fn)need(lib, "qpl_init_job");
    job_fn execute_job = (job_fn)need(lib, "qpl_execute_job");
    job_fn fini_job = (job_fn)need(lib, "qpl_fini_job");

    uint32_t job_size = 0;
    qpl_status status = get_job_size(qpl_path_software, &job_size);
    if (status != QPL_STS_OK) {
        fprintf(stderr, "qpl-check: qpl_get_job_size(software) returned status %d\n", (int)status);
        return 4;
    }
    qpl_job *job = (qpl_job *)malloc(job_size);
    uint8_t *page = malloc(PAGE_SIZE), *packed = malloc(PAGE_SIZE), *unpacked = malloc(PAGE_SIZE);
    if (job == NULL || page == NULL || packed == NULL || unpacked == NULL) {
        fprintf(stderr, "qpl-check: out of memory\n");
        return 5;
    }
    /* Compressible but not trivial: a short repeating text with a varying counter. */
    for (int i = 0; i < PAGE_SIZE; i++) {
        page[i] = (uint8_t)("jmultifd page "[i % 14] + (i / 512));
    }
    status = init_job(qpl_path_software, job);
    if (status != QPL_STS_OK) {
        fprintf(stderr, "qpl-check: qpl_init_job(software) returned status %d\n", (int)status);
        return 4;
    }
    job->op = qpl_op_compress;
    job->level = qpl_default_level;
    job->next_in_ptr = page;
    job->available_in = PAGE_SIZE;
    job->next_out_ptr = packed;
    job->available_out = PAGE_SIZE - 1;
    job->flags = QPL_FLAG_FIRST | QPL_FLAG_LAST | QPL_FLAG_DYNAMIC_HUFFMAN | QPL_FLAG_OMIT_VERIFY;
    status = execute_job(job);
    if (status != QPL_STS_OK) {
        fprintf(stderr, "qpl-check: compress returned status %d\n", (int)status);
        return 6;
    }
    uint32_t packed_size = job->total_out;

    job->op = qpl_op_decompress;
    job->next_in_ptr = packed;
    job->available_in = packed_size;
    job->next_out_ptr = unpacked;
    job->available_out = PAGE_SIZE;
    job->flags = QPL_FLAG_FIRST | QPL_FLAG_LAST;
    status = execute_job(job);
    if (status != QPL_STS_OK) {
        fprintf(stderr, "qpl-check: decompress returned status %d\n", (int)status);
        return 6;
    }
    if (job->total_out != PAGE_SIZE || memcmp(page, unpacked, PAGE_SIZE) != 0) {
        fprintf(stderr, "qpl-check: page did not survive compress+decompress (%u bytes back)\n",
                job->total_out);
        return 7;
    }
    fini_job(job);
    printf("roundtrip=%u->%u\n", PAGE_SIZE, packed_size);
    free(job); free(page); free(packed); free(unpacked);
    return 0;
}
#endif

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: qpl-check LIBRARY\n");
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        fprintf(stderr, "qpl-check: cannot load %s: %s\n", argv[1], dlerror());
        return 3;
    }
    const char *(*library_version)(void) = (const char *(*)(void))need(lib, "qpl_get_library_version");
    need(lib, "qpl_get_job_size");
    printf("version=%s\n", library_version());
#ifdef QPL_CHECK_ROUNDTRIP
    return roundtrip(lib);
#else
    return 0;
#endif
}
