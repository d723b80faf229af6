package io.jmultifd.qpl;

import io.jmultifd.linux.DynamicLibrary;
import io.jmultifd.linux.DynamicLinkerException;
import io.jmultifd.linux.Libc;
import io.jmultifd.linux.ffi.linux_h;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;

/**
 * Probes a library with the C library's own dlopen/dlsym/dlerror/dlclose (through linux-bindings'
 * {@link DynamicLibrary}), so that a refused file is reported with the dynamic linker's exact reason and a library
 * of the wrong version is never loaded into the JVM (where it could not be unloaded and would shadow the right one).
 * Where linux-bindings is unavailable (not Linux x86-64) nothing can be probed, and each candidate says why.
 */
final class NativeProbe implements LibraryProbe {
    /** Functions jmultifd calls first; a library without them is not libqpl. */
    private static final String VERSION_FUNCTION = "qpl_get_library_version";
    private static final String JOB_SIZE_FUNCTION = "qpl_get_job_size";

    @Override
    public String version(Path library) throws ProbeFailure {
        if (!Libc.available()) {
            throw new ProbeFailure(QplLibrary.Outcome.LOAD_FAILED, "cannot be probed: " + Libc.unavailableReason());
        }
        try (DynamicLibrary candidate = DynamicLibrary.open(library, linux_h.RTLD_NOW() | linux_h.RTLD_LOCAL())) {
            MemorySegment versionFunction = symbol(candidate, VERSION_FUNCTION);
            symbol(candidate, JOB_SIZE_FUNCTION);
            // libqpl's own function, in the candidate's private dlopen copy: the generated qpl_h cannot call it (its
            // handles link against the library System.load made the JVM's, and linking one before that fails for
            // good), so it stays a dynamic downcall on the address dlsym gave. The descriptor is qpl.h's
            // `const char *qpl_get_library_version(void)`.
            MethodHandle getVersion = Linker.nativeLinker().downcallHandle(versionFunction,
                    FunctionDescriptor.of(ADDRESS));
            MemorySegment text = (MemorySegment) getVersion.invokeExact();
            if (text.equals(MemorySegment.NULL)) {
                throw new ProbeFailure(QplLibrary.Outcome.NOT_QPL, VERSION_FUNCTION + "() returned NULL");
            }
            // Read before the library is closed: the text is in its static data.
            return text.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (DynamicLinkerException e) {
            throw new ProbeFailure(QplLibrary.Outcome.LOAD_FAILED, e.getMessage());
        } catch (ProbeFailure | RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            // invokeExact declares Throwable; the C function called here throws nothing else.
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

    private static MemorySegment symbol(DynamicLibrary library, String name) throws ProbeFailure {
        return library.find(name)
                .orElseThrow(() -> new ProbeFailure(QplLibrary.Outcome.NOT_QPL, "it has no " + name));
    }
}
