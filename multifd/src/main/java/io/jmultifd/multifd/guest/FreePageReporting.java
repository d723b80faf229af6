package io.jmultifd.multifd.guest;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether this machine is a virtual machine that reports its free memory to the hypervisor (virtio-balloon free
 * page reporting, VIRTIO_BALLOON_F_REPORTING): the kernel then hands free blocks of huge-page size and above back
 * to the host, which drops their backing. Huge pages are carved from exactly those blocks, so the first write to
 * each one faults in the host as well; small pages mostly come from blocks that were never reported.
 */
final class FreePageReporting {
    /** The virtio balloon's feature bit for free page reporting (virtio specification, 5.5.3). */
    static final int VIRTIO_BALLOON_F_REPORTING = 5;
    static final Path VIRTIO_DRIVERS = Path.of("/sys/bus/virtio/drivers");

    private FreePageReporting() {}

    private static final class Machine { // read at first use
        static final Optional<Path> DEVICE = reportingDevice(VIRTIO_DRIVERS);
    }

    /** The features file of a balloon device on this machine that negotiated free page reporting, if any. */
    static Optional<Path> onThisMachine() {
        return Machine.DEVICE;
    }

    /**
     * The features file of a device bound to {@code drivers/virtio_balloon} whose negotiated features (one '0'/'1'
     * per bit, bit 0 first, as sysfs writes them) include free page reporting.
     */
    static Optional<Path> reportingDevice(Path drivers) {
        Path balloon = drivers.resolve("virtio_balloon");
        if (!Files.isDirectory(balloon)) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> devices = Files.newDirectoryStream(balloon, "virtio*")) {
            for (Path device : devices) {
                Path features = device.resolve("features");
                String bits = Files.isReadable(features) ? Files.readString(features).strip() : "";
                if (bits.length() > VIRTIO_BALLOON_F_REPORTING && bits.charAt(VIRTIO_BALLOON_F_REPORTING) == '1') {
                    return Optional.of(features);
                }
            }
        } catch (IOException | RuntimeException e) {
            // unreadable sysfs: nothing known to report
        }
        return Optional.empty();
    }
}
