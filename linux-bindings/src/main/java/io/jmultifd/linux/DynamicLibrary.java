package io.jmultifd.linux;

import io.jmultifd.linux.ffi.linux_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A shared library opened with {@code dlopen(3)} and owned by this object until {@link #close()}
 * ({@code dlclose}): a way to look into a library without loading it into the JVM, where {@code System.load}
 * could never unload it again. The mode flags are {@code linux_h}'s {@code RTLD_*}. One owner, one thread at a
 * time; {@code dlerror}'s message is per thread, and is read on the thread of the failed call.
 */
public final class DynamicLibrary implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DynamicLibrary.class.getName());

    private final Path path;
    /** dlopen's handle; NULL once closed. */
    private MemorySegment handle;

    private DynamicLibrary(Path path, MemorySegment handle) {
        this.path = path;
        this.handle = handle;
    }

    /**
     * dlopen(3) of {@code library} with {@code mode} (e.g. {@code RTLD_NOW | RTLD_LOCAL}).
     *
     * @throws DynamicLinkerException with the dynamic linker's reason (a missing file, not an ELF object, an
     *                                unresolved symbol, ...)
     */
    public static DynamicLibrary open(Path library, int mode) throws DynamicLinkerException {
        NativeCalls.requireAvailable();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = linux_h.dlopen(arena.allocateFrom(library.toString()), mode);
            if (handle.equals(MemorySegment.NULL)) {
                throw new DynamicLinkerException(lastError().orElse("dlopen failed without a reason"));
            }
            return new DynamicLibrary(library, handle);
        }
    }

    /** dlsym(3): the address of {@code symbol} in this library (or one it depends on), empty when there is none. */
    public Optional<MemorySegment> find(String symbol) {
        if (handle.equals(MemorySegment.NULL)) {
            throw new IllegalStateException(path + " is closed");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = linux_h.dlsym(handle, arena.allocateFrom(symbol));
            if (address.equals(MemorySegment.NULL)) {
                lastError(); // consumed, so that it is not taken for the reason of a later failure
                return Optional.empty();
            }
            return Optional.of(address);
        }
    }

    /** dlclose(3); the library is unmapped once nothing else holds it. Closing twice does nothing. */
    @Override
    public void close() {
        if (handle.equals(MemorySegment.NULL)) {
            return;
        }
        MemorySegment closing = handle;
        handle = MemorySegment.NULL;
        if (linux_h.dlclose(closing) != 0) {
            // Nothing to recover (the handle is given up either way); worth a line for whoever debugs a leak.
            LOG.log(System.Logger.Level.WARNING, "dlclose of " + path + " failed: "
                    + lastError().orElse("no reason given"));
        }
    }

    /** dlerror(3): this thread's last dynamic-linking error since the previous call, if any (reading clears it). */
    private static Optional<String> lastError() {
        MemorySegment message = linux_h.dlerror();
        return message.equals(MemorySegment.NULL) ? Optional.empty()
                : Optional.of(message.reinterpret(Long.MAX_VALUE).getString(0));
    }
}
