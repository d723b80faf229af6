package io.jmultifd.qpl.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.qpl.ffi.qpl_h;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The status table against the generated bindings: constants only, so libqpl need not be loaded. */
class QplStatusTest {

    /** Every QPL_STS_* of qpl.h 1.9.0, name -> code, as jextract generated it. */
    private static Map<String, Integer> generatedStatuses() throws ReflectiveOperationException {
        Map<String, Integer> statuses = new TreeMap<>();
        for (Method m : qpl_h.class.getMethods()) {
            if (m.getName().startsWith("QPL_STS_") && m.getParameterCount() == 0
                    && Modifier.isStatic(m.getModifiers()) && m.getReturnType() == int.class) {
                statuses.put(m.getName(), (Integer) m.invoke(null));
            }
        }
        return statuses;
    }

    @Test
    void tableHasExactlyTheStatusesOfTheHeaderWithTheirCodes() throws ReflectiveOperationException {
        Map<String, Integer> generated = generatedStatuses();
        Map<String, Integer> ours = new TreeMap<>();
        for (QplStatus s : QplStatus.values()) {
            if (s != QplStatus.UNKNOWN) {
                ours.put(s.qplName(), s.code());
            }
        }
        assertTrue(generated.size() > 100, "expected the full status list, found " + generated.size());
        assertEquals(generated, ours);
    }

    @Test
    void fromCodeFindsEveryStatusAndKeepsUnknownCodesVisible() {
        for (QplStatus s : QplStatus.values()) {
            if (s != QplStatus.UNKNOWN) {
                assertSame(s, QplStatus.fromCode(s.code()));
            }
        }
        assertEquals(0, QplStatus.OK.code());
        assertEquals(5, QplStatus.QUEUES_ARE_BUSY_ERR.code());
        assertEquals(500, QplStatus.INIT_HW_NOT_SUPPORTED.code());
        assertEquals(501, QplStatus.INIT_LIBACCEL_NOT_FOUND.code());
        assertSame(QplStatus.UNKNOWN, QplStatus.fromCode(34));
        assertSame(QplStatus.UNKNOWN, QplStatus.fromCode(-7));
        assertSame(QplStatus.UNKNOWN, QplStatus.fromCode(100_000));
        assertEquals("unknown status 777", QplStatus.describe(777));
        assertEquals("QPL_STS_INIT_LIBACCEL_NOT_FOUND (501)", QplStatus.describe(501));
    }

    @Test
    void pathCodesMatchTheBindings() {
        assertEquals(qpl_h.qpl_path_hardware(), QplPath.HARDWARE.code());
        assertEquals(qpl_h.qpl_path_software(), QplPath.SOFTWARE.code());
    }

    @Test
    void exceptionNamesStatusCodeOperationAndPath() {
        QplException e = new QplException(501, "qpl_init_job", QplPath.HARDWARE);
        assertSame(QplStatus.INIT_LIBACCEL_NOT_FOUND, e.status());
        assertEquals(501, e.statusCode());
        assertEquals("qpl_init_job", e.operation());
        assertSame(QplPath.HARDWARE, e.path());
        assertTrue(e.getMessage().contains("QPL_STS_INIT_LIBACCEL_NOT_FOUND (501)"), e.getMessage());
        assertTrue(e.getMessage().contains("qpl_init_job on the hardware path"), e.getMessage());

        QplException unknown = new QplException(999, "qpl_wait_job", QplPath.SOFTWARE);
        assertSame(QplStatus.UNKNOWN, unknown.status());
        assertEquals(999, unknown.statusCode());
        assertTrue(unknown.getMessage().contains("unknown status 999"), unknown.getMessage());
    }
}
