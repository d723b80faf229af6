package io.jmultifd.qpl;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Probes a library with the C library's own dlopen/dlsym/dlerror/dlclose, so that a refused file is
 * reported with the dynamic linker's exact reason and a library of the wrong version is never loaded
 * into the JVM (where it could not be unloaded and would shadow the right one).
 */
final class NativeProbe implements LibraryProbe {
    private static final int RTLD_NOW = 0x2;
    private static final int RTLD_LOCAL = 0x0;
    /** Functions jmultifd calls first; a library without them is not libqpl. */
    private static final String VERSION_FUNCTION = "qpl_get_library_version";
    private static final String JOB_SIZE_FUNCTION = "qpl_get_job_size";

    private final MethodHandle dlopen;
    private final MethodHandle dlsym;
    private final MethodHandle dlerror;
    private final MethodHandle dlclose;

    NativeProbe() {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        dlopen = linker.downcallHandle(libc.findOrThrow("dlopen"), FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
        dlsym = linker.downcallHandle(libc.findOrThrow("dlsym"), FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
        dlerror = linker.downcallHandle(libc.findOrThrow("dlerror"), FunctionDescriptor.of(ADDRESS));
        dlclose = linker.downcallHandle(libc.findOrThrow("dlclose"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    @Override
    public String version(Path library) throws ProbeFailure {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = (MemorySegment) dlopen.invokeExact(arena.allocateFrom(library.toString()),
                    RTLD_NOW | RTLD_LOCAL);
            if (handle.equals(MemorySegment.NULL)) {
                throw new ProbeFailure(QplLibrary.Outcome.LOAD_FAILED, lastDlError());
            }
            try {
                MemorySegment versionFunction = symbol(handle, VERSION_FUNCTION, arena);
                symbol(handle, JOB_SIZE_FUNCTION, arena);
                MethodHandle getVersion = Linker.nativeLinker().downcallHandle(versionFunction,
                        FunctionDescriptor.of(ADDRESS));
                MemorySegment text = (MemorySegment) getVersion.invokeExact();
                if (text.equals(MemorySegment.NULL)) {
                    throw new ProbeFailure(QplLibrary.Outcome.NOT_QPL, VERSION_FUNCTION + "() returned NULL");
                }
                return text.reinterpret(Long.MAX_VALUE).getString(0);
            } finally {
                int ignored = (int) dlclose.invokeExact(handle);
            }
        } catch (ProbeFailure | RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            // invokeExact declares Throwable; the C functions called here throw nothing else.
            throw new IllegalStateException("probing " + library + " failed", e);
        }
    }

    @Override
    public void loadIntoJvm(Path library) throws ProbeFailure {
        try {
            System.load(library.toString());
        } catch (UnsatisfiedLinkError e) {
            throw new ProbeFailure(QplLibrary.Outcome.LOAD_FAILED, e.getMessage());
        }
        // The generated bindings look symbols up through this class loader; make sure they will see them.
        if (SymbolLookup.loaderLookup().find(JOB_SIZE_FUNCTION).isEmpty()) {
            throw new ProbeFailure(QplLibrary.Outcome.LOAD_FAILED,
                    "System.load succeeded but " + JOB_SIZE_FUNCTION + " is not visible to the bindings' class loader");
        }
    }

    private MemorySegment symbol(MemorySegment handle, String name, Arena arena) throws Throwable {
        MemorySegment address = (MemorySegment) dlsym.invokeExact(handle, arena.allocateFrom(name));
        if (address.equals(MemorySegment.NULL)) {
            throw new ProbeFailure(QplLibrary.Outcome.NOT_QPL, "it has no " + name);
        }
        return address;
    }

    private String lastDlError() throws Throwable {
        MemorySegment message = (MemorySegment) dlerror.invokeExact();
        return message.equals(MemorySegment.NULL) ? "dlopen failed without a reason"
                : message.reinterpret(Long.MAX_VALUE).getString(0);
    }
}
