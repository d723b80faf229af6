package io.jmultifd.multifd.postcopy;

import org.junit.jupiter.api.Assumptions;

/**
 * The precondition of the tests that fault pages in: skipped where this process has no userfaultfd, except with
 * CI=true or JMULTIFD_REQUIRE_USERFAULTFD=1 (as ci/test.sh sets it for root), where they must run and fail instead.
 */
public final class UserfaultfdRequired {
    private UserfaultfdRequired() {}

    public static void here() {
        String why = UserfaultfdProbe.refusal(UserfaultfdProbe.SYSTEM);
        if (why != null && ("true".equals(System.getenv("CI"))
                || "1".equals(System.getenv("JMULTIFD_REQUIRE_USERFAULTFD")))) {
            throw new AssertionError(why);
        }
        Assumptions.assumeTrue(why == null, why);
    }
}
