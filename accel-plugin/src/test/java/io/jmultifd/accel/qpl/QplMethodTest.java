package io.jmultifd.accel.qpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CompressionMethods;
import io.jmultifd.spi.MethodParameters;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The method's table entries: name, parameters and their checks. None of this needs libqpl. */
class QplMethodTest {

    @Test
    void serviceLoaderFindsTheQplMethod() {
        CompressionMethod method = CompressionMethods.find("qpl");
        assertInstanceOf(QplMethod.class, method);
        assertEquals("qpl", method.name());
        assertTrue(method.description().contains("QPL"));
    }

    @Test
    void parameterDefaultsAreQemusNamesAndValues() {
        assertEquals(Map.of("qpl-path", "auto", "qpl-submit-retries", "3", "qpl-huffman", "fixed"),
                new QplMethod().parameterDefaults());
    }

    @Test
    void goodParametersPassAndTheHandshakeNeedsNone() {
        QplMethod method = new QplMethod();
        assertEquals(Map.of(), method.handshakeParameters(MethodParameters.of()));
        assertEquals(Map.of(), method.handshakeParameters(MethodParameters.of("qpl-path", "java",
                "qpl-submit-retries", "0", "qpl-huffman", "dynamic")));
        assertEquals(Map.of(), method.handshakeParameters(MethodParameters.of("qpl-submit-retries", "1000")));
    }

    @Test
    void badParametersAreNamedWithTheirValue() {
        assertBad("qpl-path=gpu", "qpl-path", "gpu");
        assertBad("qpl-path=Hardware", "qpl-path", "Hardware");
        assertBad("qpl-submit-retries=-1", "qpl-submit-retries", "-1");
        assertBad("qpl-submit-retries=1001", "qpl-submit-retries", "1001");
        assertBad("qpl-submit-retries=three", "qpl-submit-retries", "three");
        assertBad("qpl-huffman=static", "qpl-huffman", "static");
    }

    private static void assertBad(String expected, String name, String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new QplMethod().handshakeParameters(MethodParameters.of(name, value)));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void badParametersAlsoFailChannelSetup() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new QplMethod().newSender(Fixtures.context("qpl-huffman", "none")));
        assertTrue(e.getMessage().contains("qpl-huffman=none"), e.getMessage());
    }
}
