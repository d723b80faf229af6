package io.jmultifd.linux;

import io.jmultifd.linux.ffi.linux_h;
import io.jmultifd.linux.ffi.pollfd;
import io.jmultifd.linux.ffi.uffd_msg;
import io.jmultifd.linux.ffi.uffdio_api;
import io.jmultifd.linux.ffi.uffdio_copy;
import io.jmultifd.linux.ffi.uffdio_range;
import io.jmultifd.linux.ffi.uffdio_register;
import io.jmultifd.linux.ffi.uffdio_zeropage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A userfaultfd (see the kernel's admin-guide/mm/userfaultfd): the owner of its file descriptor, with the calls
 * postcopy makes on it, as QEMU's postcopy-ram.c does: the {@code UFFDIO_API} handshake, registering guest RAM
 * for missing-page faults, reading fault events, and resolving a fault by copying a page in ({@code UFFDIO_COPY})
 * or mapping the zero page ({@code UFFDIO_ZEROPAGE}), both of which wake the faulting threads.
 *
 * <p>The order the kernel requires: {@link #open}, then {@link #handshake} once, then the rest. Closing it
 * unregisters every range and wakes every thread still waiting on a fault (they fault again, now without it).
 * {@link #close} must not race with another call on the same instance (the descriptor number could be reused).
 */
public final class Userfaultfd implements AutoCloseable {
    private final int fd;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Userfaultfd(int fd) {
        this.fd = fd;
    }

    /**
     * userfaultfd(2) through syscall(__NR_userfaultfd, flags): {@code flags} among {@code O_CLOEXEC},
     * {@code O_NONBLOCK} and {@code UFFD_USER_MODE_ONLY}. EPERM when the process may not handle kernel-mode
     * faults ({@code vm.unprivileged_userfaultfd=0} without CAP_SYS_PTRACE); ENOSYS when the kernel has no
     * userfaultfd.
     */
    public static Userfaultfd open(int flags) throws ErrnoException {
        NativeCalls.requireAvailable();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCalls.callState(arena);
            long fd = (long) NativeCalls.Syscall.LINKED.get().invokeExact(state, (long) linux_h.__NR_userfaultfd(),
                    flags);
            if (fd < 0) {
                throw new ErrnoException("userfaultfd", NativeCalls.errno(state));
            }
            return new Userfaultfd((int) fd);
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCalls.unexpected("userfaultfd", t);
        }
    }

    /** What the kernel offers after the handshake: UFFD_FEATURE_* bits and the bits (1 << _UFFDIO_*) of the ioctls. */
    public record Api(long features, long ioctls) {
        public boolean hasIoctl(int uffdioBit) {
            return (ioctls & (1L << uffdioBit)) != 0;
        }
    }

    /** One event read from the descriptor: uffd_msg's event and, for UFFD_EVENT_PAGEFAULT, its flags and address. */
    public record Event(int type, long flags, long address) {
        public boolean isPageFault() {
            return type == linux_h.UFFD_EVENT_PAGEFAULT();
        }
    }

    public int fd() {
        return fd;
    }

    /**
     * UFFDIO_API with {@code UFFD_API}, asking for {@code features} (UFFD_FEATURE_* bits, 0 for plain
     * missing-page faults); EINVAL when the kernel lacks one of them or the handshake was already made.
     */
    public Api handshake(long features) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment api = uffdio_api.allocate(arena);
            uffdio_api.api(api, linux_h.UFFD_API());
            uffdio_api.features(api, features);
            ioctl(arena, linux_h.UFFDIO_API(), "UFFDIO_API", api);
            return new Api(uffdio_api.features(api), uffdio_api.ioctls(api));
        }
    }

    /**
     * UFFDIO_REGISTER of {@code range} (page-aligned, of an anonymous or shmem mapping) with {@code mode}
     * (UFFDIO_REGISTER_MODE_* bits); returns the bits (1 << _UFFDIO_*) of the ioctls the range supports.
     */
    public long register(MemorySegment range, long mode) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment register = uffdio_register.allocate(arena);
            setRange(uffdio_register.range(register), range);
            uffdio_register.mode(register, mode);
            ioctl(arena, linux_h.UFFDIO_REGISTER(), "UFFDIO_REGISTER", register);
            return uffdio_register.ioctls(register);
        }
    }

    public void unregister(MemorySegment range) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment unregister = uffdio_range.allocate(arena);
            setRange(unregister, range);
            ioctl(arena, linux_h.UFFDIO_UNREGISTER(), "UFFDIO_UNREGISTER", unregister);
        }
    }

    /**
     * UFFDIO_COPY of {@code source} into the missing pages at {@code destination} (same length, page-aligned and
     * whole pages; {@code mode}: UFFDIO_COPY_MODE_* bits, 0 to wake the faulting threads). Returns the bytes
     * copied. EEXIST when a destination page is already present.
     */
    public long copy(MemorySegment destination, MemorySegment source, long mode) throws ErrnoException {
        requireNative(destination);
        requireNative(source);
        if (source.byteSize() != destination.byteSize()) {
            throw new IllegalArgumentException("UFFDIO_COPY of " + source.byteSize() + " bytes into "
                    + destination.byteSize());
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment copy = uffdio_copy.allocate(arena);
            uffdio_copy.dst(copy, destination.address());
            uffdio_copy.src(copy, source.address());
            uffdio_copy.len(copy, destination.byteSize());
            uffdio_copy.mode(copy, mode);
            ioctl(arena, linux_h.UFFDIO_COPY(), "UFFDIO_COPY", copy);
            return uffdio_copy.copy(copy);
        }
    }

    /** UFFDIO_ZEROPAGE: maps the zero page at the missing pages of {@code range}; returns the bytes mapped. */
    public long zeroPage(MemorySegment range, long mode) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zeroPage = uffdio_zeropage.allocate(arena);
            setRange(uffdio_zeropage.range(zeroPage), range);
            uffdio_zeropage.mode(zeroPage, mode);
            ioctl(arena, linux_h.UFFDIO_ZEROPAGE(), "UFFDIO_ZEROPAGE", zeroPage);
            return uffdio_zeropage.zeropage(zeroPage);
        }
    }

    /** UFFDIO_WAKE: wakes the threads waiting on faults in {@code range} (after copies made with DONTWAKE). */
    public void wake(MemorySegment range) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment wake = uffdio_range.allocate(arena);
            setRange(wake, range);
            ioctl(arena, linux_h.UFFDIO_WAKE(), "UFFDIO_WAKE", wake);
        }
    }

    /**
     * The next event, waiting up to {@code timeoutMillis} for one (0: do not wait, -1: no limit); empty when
     * none came in that time. Interrupted waits (EINTR) are resumed.
     */
    public Optional<Event> nextEvent(int timeoutMillis) throws ErrnoException {
        requireOpen("reading an event");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCalls.callState(arena);
            MemorySegment poll = pollfd.allocate(arena);
            pollfd.fd(poll, fd);
            pollfd.events(poll, (short) linux_h.POLLIN());
            int ready;
            do {
                ready = (int) NativeCalls.Poll.LINKED.get().invokeExact(state, poll, 1L, timeoutMillis);
            } while (ready < 0 && NativeCalls.errno(state) == linux_h.EINTR());
            if (ready < 0) {
                throw new ErrnoException("poll", NativeCalls.errno(state));
            }
            if (ready == 0) {
                return Optional.empty();
            }
            MemorySegment message = uffd_msg.allocate(arena);
            long read;
            do {
                read = (long) NativeCalls.Read.LINKED.get().invokeExact(state, fd, message, message.byteSize());
            } while (read < 0 && NativeCalls.errno(state) == linux_h.EINTR());
            if (read < 0) {
                int errno = NativeCalls.errno(state);
                if (errno == linux_h.EAGAIN()) { // O_NONBLOCK, and another reader took the event
                    return Optional.empty();
                }
                throw new ErrnoException("read of a uffd_msg", errno);
            }
            if (read != message.byteSize()) {
                throw new IllegalStateException("read " + read + " bytes of a " + message.byteSize()
                        + "-byte uffd_msg");
            }
            MemorySegment pageFault = uffd_msg.arg.pagefault(uffd_msg.arg(message));
            return Optional.of(new Event(Byte.toUnsignedInt(uffd_msg.event(message)),
                    uffd_msg.arg.pagefault.flags(pageFault), uffd_msg.arg.pagefault.address(pageFault)));
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCalls.unexpected("userfaultfd event", t);
        }
    }

    /** Closes the descriptor once; later calls do nothing. */
    @Override
    public void close() throws ErrnoException {
        if (closed.compareAndSet(false, true)) {
            Libc.close(fd);
        }
    }

    private static void setRange(MemorySegment uffdioRange, MemorySegment range) {
        requireNative(range);
        uffdio_range.start(uffdioRange, range.address());
        uffdio_range.len(uffdioRange, range.byteSize());
    }

    /** The kernel is given raw addresses: a heap segment's address() is an offset into a Java array, not one. */
    private static void requireNative(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("userfaultfd ranges must be native memory, not " + segment);
        }
    }

    private void requireOpen(String what) {
        if (closed.get()) {
            throw new IllegalStateException(what + " on a closed userfaultfd");
        }
    }

    private void ioctl(Arena arena, long request, String name, MemorySegment argument) throws ErrnoException {
        requireOpen(name);
        MemorySegment state = NativeCalls.callState(arena);
        int rc;
        try {
            rc = (int) NativeCalls.Ioctl.LINKED.get().invokeExact(state, fd, request, argument);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCalls.unexpected("ioctl(" + name + ")", t);
        }
        if (rc != 0) {
            throw new ErrnoException("ioctl(" + name + ")", NativeCalls.errno(state));
        }
    }
}
