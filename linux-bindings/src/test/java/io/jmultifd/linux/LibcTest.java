package io.jmultifd.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.linux.ffi.linux_h;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** The owner layer's file calls on real files, and the generated constants against Linux x86-64's ABI. */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class LibcTest {
    private static final int NEW_FILE = linux_h.O_RDWR() | linux_h.O_CREAT() | linux_h.O_EXCL() | linux_h.O_CLOEXEC();

    @TempDir
    Path dir;

    @Test
    void onLinuxX8664TheCallsLink() {
        assertTrue(Libc.available(), () -> "unavailable: " + Libc.unavailableReason());
        assertEquals(null, Libc.unavailableReason());
    }

    /** The values of the kernel's and glibc's headers (asm-generic/fcntl.h, errno-base.h, sys/file.h). */
    @Test
    void theGeneratedConstantsAreLinuxX8664s() {
        assertEquals(0, linux_h.O_RDONLY());
        assertEquals(2, linux_h.O_RDWR());
        assertEquals(0100, linux_h.O_CREAT());
        assertEquals(0200, linux_h.O_EXCL());
        assertEquals(02000000, linux_h.O_CLOEXEC());
        assertEquals(04000, linux_h.O_NONBLOCK());
        assertEquals(2, linux_h.LOCK_EX());
        assertEquals(4, linux_h.LOCK_NB());
        assertEquals(8, linux_h.LOCK_UN());
        assertEquals(2, linux_h.ENOENT());
        assertEquals(11, linux_h.EWOULDBLOCK());
        assertEquals(17, linux_h.EEXIST());
        assertEquals(22, linux_h.EINVAL());
        assertEquals(28, linux_h.ENOSPC());
        assertEquals(14, linux_h.MADV_HUGEPAGE());
        assertEquals(15, linux_h.MADV_NOHUGEPAGE());
    }

    @Test
    void openCreatesAFileAndRefusesToCreateItTwice() throws Exception {
        Path file = dir.resolve("new");
        int fd = Libc.open(file, NEW_FILE, 0644);
        try {
            assertTrue(fd >= 0);
            assertTrue(Files.isRegularFile(file));
        } finally {
            Libc.close(fd);
        }
        ErrnoException e = assertThrows(ErrnoException.class, () -> Libc.open(file, NEW_FILE, 0644));
        assertEquals(linux_h.EEXIST(), e.errno());
        assertEquals("open " + file + ": File exists", e.getMessage());
    }

    @Test
    void openOfAMissingFileSaysSo() {
        Path missing = dir.resolve("missing");
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> Libc.open(missing, linux_h.O_RDONLY() | linux_h.O_CLOEXEC(), 0));
        assertEquals(linux_h.ENOENT(), e.errno());
        assertEquals("open " + missing + ": No such file or directory", e.getMessage());
        assertEquals("open " + missing, e.call());
    }

    @Test
    void closingAClosedDescriptorIsEbadf() throws Exception {
        int fd = Libc.open(dir.resolve("f"), NEW_FILE, 0644);
        Libc.close(fd);
        ErrnoException e = assertThrows(ErrnoException.class, () -> Libc.close(fd));
        assertEquals(linux_h.EBADF(), e.errno());
    }

    /** flock belongs to the open file: a second open of the same file, in this process, conflicts with the first. */
    @Test
    void anExclusiveFlockExcludesAnotherOpenFileUntilReleased() throws Exception {
        Path file = dir.resolve("locked");
        int first = Libc.open(file, NEW_FILE, 0644);
        int second = Libc.open(file, linux_h.O_RDONLY() | linux_h.O_CLOEXEC(), 0);
        try {
            assertTrue(Libc.flock(first, linux_h.LOCK_EX() | linux_h.LOCK_NB()));
            assertFalse(Libc.flock(second, linux_h.LOCK_EX() | linux_h.LOCK_NB()));
            assertTrue(Libc.flock(first, linux_h.LOCK_UN()));
            assertTrue(Libc.flock(second, linux_h.LOCK_EX() | linux_h.LOCK_NB()));
        } finally {
            Libc.close(first);
            Libc.close(second);
        }
    }

    @Test
    void flockOfABadDescriptorThrows() throws Exception {
        int fd = Libc.open(dir.resolve("f"), NEW_FILE, 0644);
        Libc.close(fd);
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> Libc.flock(fd, linux_h.LOCK_EX() | linux_h.LOCK_NB()));
        assertEquals(linux_h.EBADF(), e.errno());
        assertEquals("flock: Bad file descriptor", e.getMessage());
    }

    @Test
    void posixFallocateExtendsTheFileAndRefusesAnEmptyRange() throws Exception {
        Path file = dir.resolve("allocated");
        int fd = Libc.open(file, NEW_FILE, 0644);
        try {
            Libc.posixFallocate(fd, 0, 3 << 20);
            assertEquals(3 << 20, Files.size(file));
            // posix_fallocate returns its error instead of setting errno: EINVAL for a length of 0.
            ErrnoException e = assertThrows(ErrnoException.class, () -> Libc.posixFallocate(fd, 0, 0));
            assertEquals(linux_h.EINVAL(), e.errno());
            assertEquals("posix_fallocate: Invalid argument", e.getMessage());
        } finally {
            Libc.close(fd);
        }
    }

    /** A pseudo-terminal's master side is a terminal; a regular file and a descriptor that is not open are not. */
    @Test
    void isattyTellsATerminalFromAFileAndAClosedDescriptor() throws Exception {
        int terminal = Libc.open(Path.of("/dev/ptmx"), linux_h.O_RDWR() | linux_h.O_CLOEXEC(), 0);
        int file = Libc.open(dir.resolve("f"), NEW_FILE, 0644);
        try {
            assertTrue(Libc.isatty(terminal));
            assertFalse(Libc.isatty(file));
        } finally {
            Libc.close(terminal);
            Libc.close(file);
        }
        assertFalse(Libc.isatty(file), "closed");
    }

    @Test
    void terminalColumnsReadTheWindowSizeOfATerminalAndZeroElsewhere() throws Throwable {
        int terminal = Libc.open(Path.of("/dev/ptmx"), linux_h.O_RDWR() | linux_h.O_CLOEXEC(), 0);
        int file = Libc.open(dir.resolve("f"), NEW_FILE, 0644);
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment size = io.jmultifd.linux.ffi.winsize.allocate(arena);
            io.jmultifd.linux.ffi.winsize.ws_row(size, (short) 24);
            io.jmultifd.linux.ffi.winsize.ws_col(size, (short) 97);
            assertEquals(0, (int) NativeCalls.Ioctl.LINKED.get().invokeExact(NativeCalls.callState(arena), terminal,
                    (long) linux_h.TIOCSWINSZ(), size), "TIOCSWINSZ on the pty");
            assertEquals(97, Libc.terminalColumns(terminal));
            assertEquals(0, Libc.terminalColumns(file), "a file has no window");
        } finally {
            Libc.close(terminal);
            Libc.close(file);
        }
    }

    @Test
    void strerrorIsLibcsText() {
        assertEquals("No space left on device", Libc.strerror(linux_h.ENOSPC()));
        assertEquals("Unknown error 100000", Libc.strerror(100000));
    }
}
