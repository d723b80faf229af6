package io.jmultifd.qpl;

import java.nio.file.Path;

/** Inspects and loads one candidate library; {@link NativeProbe} in production, doubles in tests. */
interface LibraryProbe {

    /**
     * Opens the library privately (not into the JVM's class loader) and returns what its
     * {@code qpl_get_library_version()} says.
     *
     * @throws ProbeFailure with {@link QplLibrary.Outcome#LOAD_FAILED} when the dynamic linker refuses
     *                      the file, {@link QplLibrary.Outcome#NOT_QPL} when it is not libqpl
     */
    String version(Path library) throws ProbeFailure;

    /**
     * Loads the library into the JVM so that the generated bindings' loader lookup sees it.
     *
     * @throws ProbeFailure with {@link QplLibrary.Outcome#LOAD_FAILED} and the JVM's reason
     */
    void loadIntoJvm(Path library) throws ProbeFailure;

    /** Why a candidate was rejected. */
    final class ProbeFailure extends Exception {
        private static final long serialVersionUID = 1L;
        private final QplLibrary.Outcome outcome;

        ProbeFailure(QplLibrary.Outcome outcome, String reason) {
            super(reason, null, false, false);
            this.outcome = outcome;
        }

        QplLibrary.Outcome outcome() {
            return outcome;
        }
    }
}
