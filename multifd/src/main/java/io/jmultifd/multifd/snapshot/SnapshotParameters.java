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

    /**
     * Null when what the user gave for a restore agrees with the snapshot {@code file} was saved as, else why not.
     * The file says how to decode it, so a parameter left unset takes the file's value; one given explicitly
     * ({@code multifd-compression}, {@code page-size}) and different is most likely the wrong file or a wrong
     * belief about it, and is refused as a handshake refuses a mismatch.
     */
    public static String restoreMismatch(MigrationParameters local, SnapshotHeader header, String file) {
        if (local.given(MigrationParameters.COMPRESSION) && !local.methodName().equals(header.method())) {
            return mismatch(MigrationParameters.COMPRESSION, file, header.method(), local.methodName());
        }
        if (local.given(MigrationParameters.PAGE_SIZE) && local.pageSize() != header.pageSize()) {
            return mismatch(MigrationParameters.PAGE_SIZE, file, "" + header.pageSize(), "" + local.pageSize());
        }
        return null;
    }

    private static String mismatch(String name, String file, String saved, String given) {
        return name + " mismatch: " + file + " was saved with " + name + "=" + saved + ", the restore was given "
                + name + "=" + given + " (leave " + name + " unset to restore the file as it was saved)";
    }
}
