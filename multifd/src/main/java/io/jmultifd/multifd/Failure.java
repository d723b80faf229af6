package io.jmultifd.multifd;

import java.util.concurrent.atomic.AtomicReference;

/** The first reason a migration side stops (later ones are consequences and are dropped). */
final class Failure {
    record Reason(MigrationStatus status, String message) {}

    private final AtomicReference<Reason> first = new AtomicReference<>();
    private final Runnable onFirst;

    Failure(Runnable onFirst) {
        this.onFirst = onFirst;
    }

    /** Records the reason if it is the first, and then tears the side down (closes channels, wakes threads). */
    boolean set(MigrationStatus status, String message) {
        if (first.compareAndSet(null, new Reason(status, message))) {
            onFirst.run();
            return true;
        }
        return false;
    }

    boolean isSet() {
        return first.get() != null;
    }

    Reason get() {
        return first.get();
    }

    /** Throws when the side has stopped, so a loop can bail out between steps. */
    void check() throws Stopped {
        if (first.get() != null) {
            throw new Stopped();
        }
    }

    /** Thrown to unwind a thread after the side has stopped; the reason is in {@link Failure#get()}. */
    static final class Stopped extends Exception {
        Stopped() {
            super(null, null, false, false);
        }
    }

    static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
}
