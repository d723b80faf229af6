package io.jmultifd.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.linux.ffi.linux_h;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** dlopen/dlsym/dlclose on real files: the JDK's own libzip, a text file, a missing file. */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class DynamicLibraryTest {
    private static final int MODE = linux_h.RTLD_NOW() | linux_h.RTLD_LOCAL();
    /** A real shared object that is on every JDK, and one of the functions it exports. */
    private static final Path LIBZIP = Path.of(System.getProperty("java.home"), "lib", "libzip.so");
    private static final String LIBZIP_FUNCTION = "Java_java_util_zip_CRC32_update";

    @TempDir
    Path dir;

    /** glibc's values (bits/dlfcn.h). */
    @Test
    void theGeneratedModesAreGlibcs() {
        assertEquals(0x1, linux_h.RTLD_LAZY());
        assertEquals(0x2, linux_h.RTLD_NOW());
        assertEquals(0x4, linux_h.RTLD_NOLOAD());
        assertEquals(0x100, linux_h.RTLD_GLOBAL());
        assertEquals(0, linux_h.RTLD_LOCAL());
        assertEquals(0x1000, linux_h.RTLD_NODELETE());
    }

    @Test
    void aLibraryIsOpenedAndItsSymbolsFound() throws Exception {
        assertTrue(Files.exists(LIBZIP), "test needs " + LIBZIP);
        try (DynamicLibrary libzip = DynamicLibrary.open(LIBZIP, MODE)) {
            Optional<MemorySegment> function = libzip.find(LIBZIP_FUNCTION);
            assertTrue(function.isPresent());
            assertFalse(function.get().equals(MemorySegment.NULL));
            assertEquals(Optional.empty(), libzip.find("qpl_get_library_version"));
            // dlsym's failure was consumed: it is not taken for the reason of the next failing dlopen.
            Path missing = dir.resolve("missing.so");
            DynamicLinkerException e = assertThrows(DynamicLinkerException.class,
                    () -> DynamicLibrary.open(missing, MODE));
            assertEquals(missing + ": cannot open shared object file: No such file or directory", e.getMessage());
        }
    }

    @Test
    void aFileThatIsNotALibraryIsRefusedWithTheDynamicLinkersReason() throws Exception {
        Path text = Files.writeString(dir.resolve("text.so"), "this is text, not an ELF shared object\n".repeat(8));
        DynamicLinkerException e = assertThrows(DynamicLinkerException.class, () -> DynamicLibrary.open(text, MODE));
        assertEquals(text + ": invalid ELF header", e.getMessage());
    }

    @Test
    void aClosedLibraryRefusesLookupsAndClosesOnlyOnce() throws Exception {
        DynamicLibrary libzip = DynamicLibrary.open(LIBZIP, MODE);
        libzip.close();
        libzip.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> libzip.find(LIBZIP_FUNCTION));
        assertEquals(LIBZIP + " is closed", e.getMessage());
    }
}
