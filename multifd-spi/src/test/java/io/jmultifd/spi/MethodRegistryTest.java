package io.jmultifd.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MethodRegistryTest {

    /** A raw method with a name and parameters of the test's choosing. */
    private static CompressionMethod method(String name, String... parameters) {
        return new RawCopyMethod() {
            @Override public String name() { return name; }
            @Override public Map<String, String> parameterDefaults() { return MethodParameters.of(parameters).asMap(); }
        };
    }

    @Test
    void providersAreLoadedOncePerProcess() {
        MethodRegistry first = MethodRegistry.installed();
        CompressionMethod counting = CompressionMethods.find("test-counting");
        for (int i = 0; i < 5; i++) {
            assertSame(first, MethodRegistry.installed());
            assertSame(counting, CompressionMethods.find("test-counting"));
            assertSame(counting, CompressionMethods.all().getFirst());
        }
        assertEquals(1, CountingMethod.INSTANCES.get(), "instances of the provider made in this process");
    }

    @Test
    void twoMethodsDeclaringOneParameterIsAnErrorNamingBoth() {
        CompressionMethod zeta = method("zeta", "shared-level", "1", "zeta-only", "x");
        CompressionMethod alpha = method("alpha", "shared-level", "3");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> MethodRegistry.of(List.of(zeta, alpha)));
        assertTrue(e.getMessage().startsWith("parameter shared-level is declared by two methods, zeta ("),
                e.getMessage());
        assertTrue(e.getMessage().contains(" and alpha ("), e.getMessage());
    }

    @Test
    void twoMethodsWithOneNameIsAnError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> MethodRegistry.of(List.of(method("same"), method("same"))));
        assertTrue(e.getMessage().startsWith("two methods are called same: "), e.getMessage());
    }

    @Test
    void eachParameterBelongsToTheMethodThatDeclaresIt() {
        CompressionMethod a = method("a", "a-level", "1");
        CompressionMethod b = method("b", "b-level", "2", "b-mode", "fast");
        MethodRegistry registry = MethodRegistry.of(List.of(b, a));
        assertEquals(List.of(a, b), registry.methods());
        assertSame(b, registry.find("b"));
        assertEquals(Optional.of(a), registry.declaring("a-level"));
        assertEquals(Optional.of(b), registry.declaring("b-mode"));
        assertEquals(Optional.empty(), registry.declaring("c-level"));
        assertEquals(Map.of("a-level", "1", "b-level", "2", "b-mode", "fast"), registry.parameterDefaults());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> registry.find("c"));
        assertEquals("multifd-compression=c: unknown method; available: a, b", unknown.getMessage());
    }

    @Test
    void aMethodDeclaringAnotherOwnersParameterIsAnError() {
        MethodRegistry registry = MethodRegistry.of(List.of(method("greedy", "multifd-channels", "8")));
        registry.requireUndeclared(Set.of("page-size"), "the engine");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> registry.requireUndeclared(Set.of("multifd-channels"), "the engine"));
        assertTrue(e.getMessage().startsWith("parameter multifd-channels is declared by method greedy ("),
                e.getMessage());
        assertTrue(e.getMessage().contains("but belongs to the engine"), e.getMessage());
    }
}
