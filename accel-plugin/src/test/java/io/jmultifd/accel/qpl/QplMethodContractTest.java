package io.jmultifd.accel.qpl;

import io.jmultifd.qpl.jobs.QplCalls;
import io.jmultifd.qpl.testing.RequiresLibqpl;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.contract.MethodContract;
import java.util.Map;
import org.junit.jupiter.api.Nested;

/** The contract of every method (multifd-spi's kit), run on the {@code qpl} method pinned to each of its tiers. */
class QplMethodContractTest {

    /** The java tier, on a host where libqpl cannot be loaded. */
    @Nested
    class JavaTier extends MethodContract {
        @Override
        protected CompressionMethod method() {
            return Fixtures.withEnvironment(Fixtures.noLibqpl("contract"));
        }

        @Override
        protected Map<String, String> parameters() {
            return Map.of("qpl-path", "java");
        }
    }

    @Nested
    @RequiresLibqpl
    class SoftwareTier extends MethodContract {
        @Override
        protected CompressionMethod method() {
            return Fixtures.real();
        }

        @Override
        protected Map<String, String> parameters() {
            return Map.of("qpl-path", "software");
        }
    }

    /** The hardware tier's batch orchestration, on software-path jobs standing in for IAA. */
    @Nested
    @RequiresLibqpl
    class HardwareTier extends MethodContract {
        @Override
        protected CompressionMethod method() {
            return Fixtures.hardwareOnSoftwareJobs(QplCalls::bindings);
        }

        @Override
        protected Map<String, String> parameters() {
            return Map.of("qpl-path", "hardware");
        }
    }
}
