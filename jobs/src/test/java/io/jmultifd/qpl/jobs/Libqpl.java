package io.jmultifd.qpl.jobs;

import io.jmultifd.qpl.QplLibrary;
import org.junit.jupiter.api.Assumptions;

/** Tests that need libqpl skip, saying why, when this JVM cannot load it. */
final class Libqpl {
    private Libqpl() {}

    static void assumeLoaded() {
        QplLibrary.Status status = QplLibrary.status();
        Assumptions.assumeTrue(status.available(), () -> "libqpl cannot be loaded here, skipping (run "
                + "ci/provision-libqpl.sh): " + status.describe());
    }
}
