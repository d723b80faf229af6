package io.jmultifd.accel.qpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.qpl.QplLibrary;
import io.jmultifd.qpl.testing.RequiresLibqpl;
import org.junit.jupiter.api.Test;

/**
 * With libqpl loaded (which {@code JMULTIFD_REQUIRE_QPL=1} makes a failure when it is not, like every test marked
 * {@link RequiresLibqpl}), it is the version the bindings were made for and the process-wide probe finds its
 * software path working: the qpl method's QPL tiers are really usable, not just loadable.
 */
@RequiresLibqpl
class RequireLibqplTest {

    @Test
    void libqplLoadsAndItsSoftwarePathWorks() {
        QplLibrary.Status status = QplLibrary.status();
        assertTrue(status.version().orElseThrow().startsWith(QplLibrary.SUPPORTED_SERIES + "."), status.describe());
        QplEnvironment env = QplEnvironment.processWide();
        assertTrue(env.software().available(), () -> "libqpl loaded but its software path fails: "
                + env.software().detail());
        assertEquals("QPL_STS_OK (0)", env.software().status());
    }
}
