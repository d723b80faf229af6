package io.jmultifd.multifd;

import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CompressionMethods;
import io.jmultifd.spi.contract.MethodContract;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the engine takes from the SPI alone: capabilities, one provider object per process, parameter namespaces. */
class MethodSpiTest {

    private static MigrationResult[] migrate(MigrationParameters p, boolean tcp, GuestMemory guest) throws Exception {
        try (Harness.Incoming in = new Harness.Incoming(p, tcp)) {
            MigrationResult sent = new MigrationSource(guest, null, p).migrate(in.sourceTarget, null);
            MigrationResult got = in.await();
            Harness.assertCompleted(sent, "source");
            Harness.assertCompleted(got, "destination");
            Harness.assertSameMemory(guest, in.destination.received());
            return new MigrationResult[] {sent, got};
        }
    }

    /** A third party's method (not {@code none}) that declares it gets the engine's scatter read into the pages. */
    @ParameterizedTest(name = "tcp={0}")
    @ValueSource(booleans = {false, true})
    void aMethodThatReceivesRawPagesInPlaceIsReadStraightIntoThePages(boolean tcp) throws Exception {
        MigrationParameters p = MigrationParameters.from(Map.of("multifd-compression", InPlaceMethod.NAME,
                "multifd-channels", "2"));
        try (GuestMemory guest = Harness.mixedGuest(2 << 20, 1 << 20, 8)) {
            MigrationResult got = migrate(p, tcp, guest)[1];
            assertTrue(got.ram().normalPages() > 0, "the guest has non-zero pages");
            assertEquals(Map.of("pages_decoded", 0L, "pages_in_place", got.ram().normalPages()),
                    got.multifd().methodStatistics(), "summed over channels");
        }
        Harness.assertNoEngineThreads();
    }

    @Test
    void providersAreLoadedOncePerProcessNotPerLookupOrChannel() throws Exception {
        CompressionMethod method = CompressionMethods.find(InPlaceMethod.NAME);
        MigrationParameters p = MigrationParameters.from(Map.of("multifd-compression", InPlaceMethod.NAME,
                "multifd-channels", "4"));
        assertSame(method, p.method());
        assertSame(method, MigrationParameters.from(Map.of("multifd-compression", InPlaceMethod.NAME)).method());
        MigrationParameters.knownParameters();
        try (GuestMemory guest = Harness.mixedGuest(1 << 20, 1 << 20, 3)) {
            migrate(p, false, guest);
        }
        assertSame(method, CompressionMethods.all().stream().filter(m -> m.name().equals(InPlaceMethod.NAME))
                .findFirst().orElseThrow());
        assertEquals(1, InPlaceMethod.INSTANCES.get(), "test-in-place objects made in this process");
    }

    @Test
    void aMethodSeesItsOwnParametersOnly() {
        MigrationParameters xor = MigrationParameters.from(Map.of("multifd-compression", XorMethod.NAME,
                "test-xor-key", "7", "multifd-zlib-level", "5", "test-fault-packet", "1"));
        assertEquals(Map.of("test-xor-key", "7"), xor.methodParameters().asMap());
        MigrationParameters faulty = MigrationParameters.from(Map.of("multifd-compression", FaultyXorMethod.NAME,
                "test-xor-key", "7"));
        assertEquals(Map.of("test-faulty-key", "90", "test-fault-packet", "3"), faulty.methodParameters().asMap());
    }

    /** The third-party-style method passes the contract kit, as a third party's own tests would run it. */
    @Nested
    class InPlaceMethodContract extends MethodContract {
        @Override
        protected CompressionMethod method() {
            return CompressionMethods.find(InPlaceMethod.NAME); // no second instance: see the test above
        }
    }
}
