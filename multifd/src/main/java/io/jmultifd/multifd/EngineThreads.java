package io.jmultifd.multifd;

import io.jmultifd.linux.Libc;
import io.jmultifd.linux.ResourceUsage;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/** The threads one side of a migration starts: named jmultifd-..., CPU time and page faults summed when each ends. */
final class EngineThreads {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    /** Whether page faults can be counted per thread (getrusage through linux-bindings). */
    static final boolean FAULTS_COUNTED = Libc.available();
    private final List<Thread> threads = new ArrayList<>();
    private final LongAdder cpuNanos = new LongAdder();
    private final LongAdder minorFaults = new LongAdder();
    private final LongAdder majorFaults = new LongAdder();

    synchronized Thread start(String name, Runnable body) {
        Thread t = Thread.ofPlatform().name(name).daemon(true).unstarted(() -> {
            try {
                body.run();
            } finally {
                cpuNanos.add(currentThreadCpuNanos());
                ResourceUsage.PageFaults faults = currentThreadFaults(); // a thread's count starts at 0
                minorFaults.add(faults.minor());
                majorFaults.add(faults.major());
            }
        });
        threads.add(t);
        t.start();
        return t;
    }

    static long currentThreadCpuNanos() {
        try {
            return MX.isCurrentThreadCpuTimeSupported() ? Math.max(0, MX.getCurrentThreadCpuTime()) : 0;
        } catch (UnsupportedOperationException e) {
            return 0;
        }
    }

    /** The calling thread's page faults since it started; none where they cannot be counted. */
    /** The process's CPU time so far (every thread), -1 where getrusage is unavailable. */
    static long processCpuNanos() {
        return FAULTS_COUNTED ? ResourceUsage.processCpuNanos() : -1;
    }

    static ResourceUsage.PageFaults currentThreadFaults() {
        return FAULTS_COUNTED ? ResourceUsage.thread() : ResourceUsage.PageFaults.NONE;
    }

    /** The names of the threads started so far, in order. */
    synchronized List<String> names() {
        return threads.stream().map(Thread::getName).toList();
    }

    synchronized void interruptAll() {
        interruptAllBut(null);
    }

    /** Interrupts every thread but those named {@code keep} (a postcopy pause keeps the fault thread). */
    synchronized void interruptAllBut(String keep) {
        for (Thread t : threads) {
            if (!t.getName().equals(keep)) {
                t.interrupt();
            }
        }
    }

    /** Waits for every thread; interrupts stragglers so that none outlives the migration. */
    void joinAll() {
        joinAllBut(null);
    }

    /** {@link #joinAll} but for the threads named {@code keep}; the threads joined are forgotten. */
    void joinAllBut(String keep) {
        List<Thread> copy;
        synchronized (this) {
            copy = threads.stream().filter(t -> !t.getName().equals(keep)).toList();
        }
        for (Thread t : copy) {
            boolean interrupted = false;
            while (t.isAlive()) {
                try {
                    t.join(1000);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
                if (t.isAlive()) {
                    t.interrupt();
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            threads.removeAll(copy);
        }
    }

    long cpuNanos() {
        return cpuNanos.sum();
    }

    /** The page faults of the threads that ended. */
    ResourceUsage.PageFaults pageFaults() {
        return new ResourceUsage.PageFaults(minorFaults.sum(), majorFaults.sum());
    }
}
