package io.jmultifd.qpl.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class or method that needs libqpl loaded in this JVM. Where the loader finds no libqpl, the test is
 * skipped with the loader's list of places tried, unless {@code JMULTIFD_REQUIRE_QPL=1} (CI sets it after
 * provisioning): then it fails with that list, so that a CI run cannot stay green having run no QPL test.
 *
 * <p>The one place that makes this decision for every module's tests (qpl-bindings publishes it in its test jar).
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(LibqplExtension.class)
public @interface RequiresLibqpl {
}
