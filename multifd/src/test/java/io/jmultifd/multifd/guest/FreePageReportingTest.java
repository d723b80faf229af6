package io.jmultifd.multifd.guest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * guest-hugepages=auto turns huge pages off on a virtual machine whose balloon reports free pages to the host.
 * The sysfs trees below are written by hand: {@code features} holds one character per feature bit, bit 0 first;
 * free page reporting is bit 5 in the virtio specification (5.5.3).
 */
class FreePageReportingTest {
    /** What this build machine's Firecracker balloon shows: stats (1), deflate-on-OOM (2), reporting (5). */
    private static final String WITH_REPORTING = "0110010100000000000000000000000010000000000000000000000000000000";
    private static final String WITHOUT_REPORTING = "0110000000000000000000000000000010000000000000000000000000000000";

    @TempDir
    Path drivers;

    private void balloon(String device, String features) throws IOException {
        Path dir = Files.createDirectories(drivers.resolve("virtio_balloon").resolve(device));
        Files.writeString(dir.resolve("features"), features + "\n");
    }

    @Test
    void aBalloonWithFeatureBit5ReportsFreePages() throws IOException {
        balloon("virtio3", WITH_REPORTING);
        assertEquals(Optional.of(drivers.resolve("virtio_balloon/virtio3/features")),
                FreePageReporting.reportingDevice(drivers));
    }

    @Test
    void aBalloonWithoutIt_noBalloon_orAnUnreadableFileReportNothing() throws IOException {
        assertEquals(Optional.empty(), FreePageReporting.reportingDevice(drivers), "no virtio_balloon driver");
        balloon("virtio0", WITHOUT_REPORTING);
        assertEquals(Optional.empty(), FreePageReporting.reportingDevice(drivers));
        balloon("virtio1", "0110");
        assertEquals(Optional.empty(), FreePageReporting.reportingDevice(drivers), "too short to hold bit 5");
        Files.createDirectories(drivers.resolve("virtio_balloon/virtio2"));
        assertEquals(Optional.empty(), FreePageReporting.reportingDevice(drivers), "no features file");
    }

    @Test
    void autoIsOffWhereFreePagesAreReportedAndOnElsewhere() {
        Path device = drivers.resolve("virtio_balloon/virtio0/features");
        TransparentHugePages auto = TransparentHugePages.of(HugePagePolicy.AUTO, Optional.of(device));
        assertFalse(auto.asked(), "small pages where free pages are reported");
        try (RamBlock block = RamBlock.anonymous("ram", 4 << 20, 4096, false, auto)) {
            assertEquals(HugePages.OFF, block.hugePages());
        }
        assertSame(TransparentHugePages.system(), TransparentHugePages.of(HugePagePolicy.AUTO, Optional.empty()));
        assertSame(TransparentHugePages.system(), TransparentHugePages.of(HugePagePolicy.ON, Optional.of(device)),
                "on asks anyway");
        assertSame(TransparentHugePages.off(), TransparentHugePages.of(HugePagePolicy.OFF, Optional.empty()));
    }

    @Test
    void theParameterNamesItsValues() {
        assertEquals(HugePagePolicy.AUTO, HugePagePolicy.parse("guest-hugepages", "auto"));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> HugePagePolicy.parse("guest-hugepages", "yes"));
        assertEquals("guest-hugepages=yes: must be one of [auto, off, on]", e.getMessage());
    }
}
