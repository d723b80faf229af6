package io.jmultifd.qpl.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.qpl.QplLibrary;
import io.jmultifd.qpl.testing.LibqplExtension.Decision;
import io.jmultifd.qpl.testing.LibqplExtension.Verdict;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The decision of {@link RequiresLibqpl}, for loader statuses made up here rather than this host's. */
class LibqplExtensionTest {
    private static final QplLibrary.Status MISSING = new QplLibrary.Status(false, Optional.empty(), Optional.empty(),
            Optional.empty(), List.of(new QplLibrary.Attempt(QplLibrary.Source.CACHE, "provisioned cache",
                    Optional.of("/nonexistent/extension-test/libqpl.so.1"), QplLibrary.Outcome.NOT_FOUND, "")));
    private static final QplLibrary.Status LOADED = new QplLibrary.Status(true, Optional.of(Path.of("/x/libqpl.so.1")),
            Optional.of(QplLibrary.Source.CACHE), Optional.of("1.9.0"), List.of());

    @Test
    void missingLibqplSkipsWithTheLoadersListAndSaysHowToFailInstead() {
        for (String require : new String[] {null, "", "0", "true"}) {
            Decision d = LibqplExtension.decide(MISSING, require);
            assertEquals(Verdict.SKIP, d.verdict(), "JMULTIFD_REQUIRE_QPL=" + require);
            assertTrue(d.reason().contains("/nonexistent/extension-test/libqpl.so.1: not found"), d.reason());
            assertTrue(d.reason().contains("JMULTIFD_REQUIRE_QPL=1 to fail"), d.reason());
        }
    }

    @Test
    void missingLibqplFailsWhenRequired() {
        Decision d = LibqplExtension.decide(MISSING, "1");
        assertEquals(Verdict.FAIL, d.verdict());
        assertTrue(d.reason().startsWith("JMULTIFD_REQUIRE_QPL=1 but libqpl cannot be loaded"), d.reason());
        assertTrue(d.reason().contains("/nonexistent/extension-test/libqpl.so.1: not found"), d.reason());
    }

    @Test
    void loadedLibqplRunsWhateverTheVariableSays() {
        assertEquals(Verdict.RUN, LibqplExtension.decide(LOADED, "1").verdict());
        assertEquals(Verdict.RUN, LibqplExtension.decide(LOADED, null).verdict());
    }
}
