package io.jmultifd.multifd.snapshot;

import io.jmultifd.multifd.Endpoint;
import io.jmultifd.multifd.MigrationParameters;
import io.jmultifd.multifd.transport.PageFile;

/** Which parameters a {@code file:} endpoint needs, and which only it takes. */
public final class SnapshotParameters {
    private SnapshotParameters() {}

    /** Null when the endpoint and the parameters fit together, else why not (in the user's words). */
    public static String refusal(Endpoint endpoint, MigrationParameters p) {
        boolean file = endpoint instanceof Endpoint.File;
        if (file && !p.mappedRam()) {
            return endpoint + " needs " + MigrationParameters.MAPPED_RAM + "=on: pages at fixed offsets are the only "
                    + "file layout (a sequential stream to a file is not supported)";
        }
        if (!file && p.mappedRam()) {
            return MigrationParameters.MAPPED_RAM + "=on needs a file:PATH endpoint, not " + endpoint;
        }
        if (!file && p.directIo()) {
            return MigrationParameters.DIRECT_IO + "=on needs a file:PATH endpoint, not " + endpoint;
        }
        if (file && p.tls().enabled()) {
            return MigrationParameters.TLS_CREDS + " protects connections, and " + endpoint + " is a file that would be "
                    + "written unencrypted: leave " + MigrationParameters.TLS_CREDS + " unset for a snapshot";
        }
        if (file && p.capabilities().postcopyRam()) { // as QEMU: mapped-ram and postcopy-ram exclude each other
            return MigrationParameters.POSTCOPY_RAM + "=on needs a live destination, not " + endpoint;
        }
        if (p.directIo() && p.pageSize() % PageFile.IO_ALIGNMENT != 0) {
            return MigrationParameters.DIRECT_IO + "=on needs " + MigrationParameters.PAGE_SIZE + " a multiple of "
                    + PageFile.IO_ALIGNMENT + " (O_DIRECT alignment), not " + p.pageSize();
        }
        return null;
    }
}
