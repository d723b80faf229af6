/*
 * The Linux and libc declarations jmultifd binds with jextract (see regen.sh): one translation unit, so
 * that one header class holds them all. Only system headers; what is bound is chosen by regen.sh's rules.
 * _GNU_SOURCE: RUSAGE_THREAD (a thread's own page faults) is a GNU extension of <sys/resource.h>.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/userfaultfd.h>
