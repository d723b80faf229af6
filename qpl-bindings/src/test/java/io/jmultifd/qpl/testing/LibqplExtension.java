package io.jmultifd.qpl.testing;

import io.jmultifd.qpl.QplLibrary;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The extension behind {@link RequiresLibqpl}: runs the test when libqpl is loaded; otherwise disables it with the
 * reason, or, with {@value #REQUIRE_ENV}=1, lets it start and fails it before its first line (a disabled test
 * cannot fail, so the condition lets it through and {@link #beforeEach} stops it).
 */
public final class LibqplExtension implements ExecutionCondition, BeforeEachCallback {
    /** Set to {@code 1} by CI: a test that needs libqpl fails instead of skipping when libqpl cannot be loaded. */
    public static final String REQUIRE_ENV = "JMULTIFD_REQUIRE_QPL";

    /** What to do with a test that needs libqpl. */
    enum Verdict { RUN, SKIP, FAIL }

    /**
     * @param verdict what happens to the test
     * @param reason  why, with the loader's list of places tried when libqpl is missing
     */
    record Decision(Verdict verdict, String reason) {}

    /** The decision for a loader status and the value of {@value #REQUIRE_ENV} (null when unset). */
    static Decision decide(QplLibrary.Status status, String requireValue) {
        if (status.available()) {
            return new Decision(Verdict.RUN, status.describe());
        }
        if ("1".equals(requireValue)) {
            return new Decision(Verdict.FAIL, REQUIRE_ENV + "=1 but libqpl cannot be loaded: " + status.describe());
        }
        return new Decision(Verdict.SKIP, "libqpl cannot be loaded here, skipping (run ci/provision-libqpl.sh, or "
                + "set " + REQUIRE_ENV + "=1 to fail instead): " + status.describe());
    }

    private static Decision current() {
        return decide(QplLibrary.status(), System.getenv(REQUIRE_ENV));
    }

    /**
     * The libqpl 1.9 file the loader found, for tests that hand a real library to a child JVM or a fake cache;
     * by the same rule as {@link RequiresLibqpl}: without one the calling test is skipped, or fails under
     * {@value #REQUIRE_ENV}=1.
     */
    public static Path libraryFile() {
        Decision decision = current();
        switch (decision.verdict()) {
            case FAIL -> throw new AssertionError(decision.reason());
            case SKIP -> Assumptions.abort(decision.reason());
            case RUN -> { }
        }
        return QplLibrary.status().path().orElseThrow();
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Decision decision = current();
        return decision.verdict() == Verdict.SKIP ? ConditionEvaluationResult.disabled(decision.reason())
                : ConditionEvaluationResult.enabled(decision.reason());
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Decision decision = current();
        if (decision.verdict() == Verdict.FAIL) {
            throw new AssertionError(decision.reason());
        }
    }
}
