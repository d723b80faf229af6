package io.jmultifd.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jmultifd.linux.ffi.linux_h;
import io.jmultifd.linux.ffi.uffd_msg;
import io.jmultifd.linux.ffi.uffdio_api;
import io.jmultifd.linux.ffi.uffdio_copy;
import io.jmultifd.linux.ffi.uffdio_register;
import io.jmultifd.linux.ffi.uffdio_zeropage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * userfaultfd as postcopy uses it, on this kernel. Where the kernel or the process' privileges give no
 * userfaultfd, the tests that need one are skipped, except where CI runs ({@code CI=true}, or
 * {@code JMULTIFD_REQUIRE_USERFAULTFD=1} as ci/test.sh sets it for root): there they fail.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class UserfaultfdTest {
    private static final int PAGE = 4096;
    private static final int FLAGS = linux_h.O_CLOEXEC() | linux_h.O_NONBLOCK();

    @TempDir
    Path dir;

    /**
     * jextract evaluated the _IOWR/_IOR macros; these are the numbers the kernel's linux/userfaultfd.h gives on
     * x86-64 (e.g. UFFDIO_API = _IOWR(0xAA, 0x3F, struct uffdio_api) = 0xc018aa3f), and the structs' sizes.
     */
    @Test
    void ioctlNumbersSyscallNumberAndStructSizesAreTheKernels() {
        assertEquals(0xc018aa3fL, linux_h.UFFDIO_API());
        assertEquals(0xc020aa00L, linux_h.UFFDIO_REGISTER());
        assertEquals(0x8010aa01L, linux_h.UFFDIO_UNREGISTER());
        assertEquals(0x8010aa02L, linux_h.UFFDIO_WAKE());
        assertEquals(0xc028aa03L, linux_h.UFFDIO_COPY());
        assertEquals(0xc020aa04L, linux_h.UFFDIO_ZEROPAGE());
        assertEquals(0xAAL, linux_h.UFFD_API());
        assertEquals(323, linux_h.__NR_userfaultfd());
        assertEquals(0x12, linux_h.UFFD_EVENT_PAGEFAULT());
        assertEquals(1L, linux_h.UFFDIO_REGISTER_MODE_MISSING());
        assertEquals(24, uffdio_api.sizeof());
        assertEquals(32, uffdio_register.sizeof());
        assertEquals(40, uffdio_copy.sizeof());
        assertEquals(32, uffdio_zeropage.sizeof());
        assertEquals(32, uffd_msg.sizeof());
    }

    @Test
    void theHandshakeOffersRegistration() throws Exception {
        try (Userfaultfd uffd = openOrSkip()) {
            Userfaultfd.Api api = uffd.handshake(0);
            assertTrue(api.hasIoctl(linux_h._UFFDIO_API()), api::toString);
            assertTrue(api.hasIoctl(linux_h._UFFDIO_REGISTER()), api::toString);
            assertTrue(api.hasIoctl(linux_h._UFFDIO_UNREGISTER()), api::toString);
        }
    }

    @Test
    void copyAndZeroPageFillMissingPagesAndACopyOverAPresentPageIsEexist() throws Exception {
        byte[] pattern = pattern(7);
        try (Userfaultfd uffd = openOrSkip(); Arena arena = Arena.ofConfined()) {
            uffd.handshake(0);
            MemorySegment ram = VirtualMemory.mapAnonymous(arena, 4 * PAGE, linux_h.MAP_NORESERVE());
            long ioctls = uffd.register(ram, linux_h.UFFDIO_REGISTER_MODE_MISSING());
            assertTrue((ioctls & (1L << linux_h._UFFDIO_COPY())) != 0, "UFFDIO_COPY offered");
            assertTrue((ioctls & (1L << linux_h._UFFDIO_ZEROPAGE())) != 0, "UFFDIO_ZEROPAGE offered");

            MemorySegment source = arena.allocate(PAGE, PAGE).copyFrom(MemorySegment.ofArray(pattern));
            assertEquals(PAGE, uffd.copy(ram.asSlice(0, PAGE), source, 0));
            assertEquals(PAGE, uffd.zeroPage(ram.asSlice(PAGE, PAGE), 0));
            ErrnoException e = assertThrows(ErrnoException.class, () -> uffd.copy(ram.asSlice(0, PAGE), source, 0));
            assertEquals(linux_h.EEXIST(), e.errno());
            assertEquals("ioctl(UFFDIO_COPY): File exists", e.getMessage());

            uffd.unregister(ram);
            // Unregistered: the pages read as they were placed, without faulting into the userfaultfd.
            assertArrayEquals(pattern, ram.asSlice(0, PAGE).toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(new byte[PAGE], ram.asSlice(PAGE, PAGE).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    /**
     * The postcopy round trip: a thread touches a missing page (the kernel reads it for write(2), so the thread
     * waits in native code, never in Java), the fault is read from the descriptor, UFFDIO_COPY places the page and
     * wakes the thread, whose write then carries the placed bytes into a file.
     */
    @Test
    void aFaultIsReadAndResolvedByACopy() throws Exception {
        byte[] pattern = pattern(11);
        Path file = dir.resolve("written");
        int fd = Libc.open(file, linux_h.O_RDWR() | linux_h.O_CREAT() | linux_h.O_EXCL() | linux_h.O_CLOEXEC(), 0644);
        AtomicLong written = new AtomicLong(Long.MIN_VALUE);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread toucher = null;
        try (Arena arena = Arena.ofShared()) {
            Userfaultfd uffd = openOrSkip();
            try {
                uffd.handshake(0);
                MemorySegment ram = VirtualMemory.mapAnonymous(arena, 2 * PAGE, linux_h.MAP_NORESERVE());
                uffd.register(ram, linux_h.UFFDIO_REGISTER_MODE_MISSING());
                MemorySegment page = ram.asSlice(PAGE, PAGE);
                toucher = Thread.ofPlatform().name("uffd-toucher").start(() -> {
                    try {
                        written.set(linux_h.write(fd, page, PAGE));
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                });

                // A hang guard only: the fault comes as soon as the thread runs.
                Userfaultfd.Event event = uffd.nextEvent(60_000)
                        .orElseThrow(() -> new AssertionError("no fault event within 60 s"));
                assertTrue(event.isPageFault(), event::toString);
                assertEquals(page.address(), event.address() & -PAGE, event::toString);

                MemorySegment source = arena.allocate(PAGE, PAGE).copyFrom(MemorySegment.ofArray(pattern));
                assertEquals(PAGE, uffd.copy(page, source, 0));
                toucher.join();
            } finally {
                uffd.close(); // wakes the thread should a check above have failed before the copy
                if (toucher != null) {
                    toucher.join();
                }
            }
        } finally {
            Libc.close(fd);
        }
        if (failure.get() != null) {
            fail("write from the faulting page failed", failure.get());
        }
        assertEquals(PAGE, written.get());
        assertArrayEquals(pattern, Files.readAllBytes(file));
    }

    @Test
    void noEventIsEmptyAndAClosedDescriptorRefusesCalls() throws Exception {
        Userfaultfd uffd = openOrSkip();
        try {
            uffd.handshake(0);
            assertTrue(uffd.nextEvent(0).isEmpty());
        } finally {
            uffd.close();
        }
        uffd.close(); // a second close does nothing
        assertThrows(IllegalStateException.class, () -> uffd.handshake(0));
        assertThrows(IllegalStateException.class, () -> uffd.nextEvent(0));
    }

    @Test
    void heapMemoryIsRefused() throws Exception {
        try (Userfaultfd uffd = openOrSkip()) {
            uffd.handshake(0);
            MemorySegment heap = MemorySegment.ofArray(new byte[PAGE]);
            assertThrows(IllegalArgumentException.class,
                    () -> uffd.register(heap, linux_h.UFFDIO_REGISTER_MODE_MISSING()));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment ram = VirtualMemory.mapAnonymous(arena, PAGE, 0);
                assertThrows(IllegalArgumentException.class, () -> uffd.copy(ram, heap, 0));
            }
        }
    }

    private static Userfaultfd openOrSkip() throws ErrnoException {
        try {
            return Userfaultfd.open(FLAGS);
        } catch (ErrnoException e) {
            String why = "no userfaultfd here (" + e.getMessage() + "; vm.unprivileged_userfaultfd="
                    + unprivilegedSetting() + ")";
            if ("true".equalsIgnoreCase(System.getenv("CI"))
                    || "1".equals(System.getenv("JMULTIFD_REQUIRE_USERFAULTFD"))) {
                fail(why + ": CI=true or JMULTIFD_REQUIRE_USERFAULTFD=1, so this test must run (as root)");
            }
            Assumptions.abort(why + "; skipped (run as root to test userfaultfd)");
            throw e; // not reached
        }
    }

    private static String unprivilegedSetting() {
        try {
            return Files.readString(Path.of("/proc/sys/vm/unprivileged_userfaultfd")).strip();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    private static byte[] pattern(int seed) {
        byte[] bytes = new byte[PAGE];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31 + seed);
        }
        return bytes;
    }
}
