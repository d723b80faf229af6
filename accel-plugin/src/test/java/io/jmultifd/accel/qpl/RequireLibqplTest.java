package io.jmultifd.accel.qpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.qpl.QplLibrary;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The one test that fails instead of skipping when libqpl is missing, if {@code JMULTIFD_REQUIRE_QPL=1} (CI sets
 * it after provisioning): without it, every other QPL test would skip and CI would stay green having tested
 * only the java tier.
 */
class RequireLibqplTest {
    private static final String REQUIRE = "JMULTIFD_REQUIRE_QPL";

    @Test
    void libqplLoadsAndItsSoftwarePathWorks() {
        boolean required = "1".equals(System.getenv(REQUIRE));
        QplLibrary.Status status = QplLibrary.status();
        if (!required) {
            Assumptions.assumeTrue(status.available(), () -> REQUIRE + " is not 1 and libqpl cannot be loaded, "
                    + "skipping: " + status.describe());
        }
        assertTrue(status.available(), () -> REQUIRE + "=1 but libqpl cannot be loaded: " + status.describe());
        assertTrue(status.version().orElseThrow().startsWith("1.9"), status.describe());
        QplEnvironment env = QplEnvironment.processWide();
        assertTrue(env.software().available(), () -> "libqpl loaded but its software path fails: "
                + env.software().detail());
        assertEquals("QPL_STS_OK (0)", env.software().status());
    }
}
