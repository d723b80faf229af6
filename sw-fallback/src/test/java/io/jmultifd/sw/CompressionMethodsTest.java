package io.jmultifd.sw;

import static org.junit.jupiter.api.Assertions.*;

import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CompressionMethods;
import io.jmultifd.sw.zlib.ZlibMethod;
import io.jmultifd.sw.zstd.ZstdMethod;
import org.junit.jupiter.api.Test;

class CompressionMethodsTest {
    @Test
    void findsZlibAndZstdByName() {
        CompressionMethod zlib = CompressionMethods.find("zlib");
        assertInstanceOf(ZlibMethod.class, zlib);
        assertEquals("zlib", zlib.name());
        CompressionMethod zstd = CompressionMethods.find("zstd");
        assertInstanceOf(ZstdMethod.class, zstd);
        assertEquals("zstd", zstd.name());
    }

    @Test
    void unknownNameListsTheAvailableOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CompressionMethods.find("nope"));
        assertTrue(e.getMessage().contains("multifd-compression=nope"), e.getMessage());
        assertTrue(e.getMessage().contains("zlib") && e.getMessage().contains("zstd"), e.getMessage());
    }
}
