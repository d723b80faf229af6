package io.jmultifd.it;

import java.util.ArrayList;
import java.util.List;

/** The containers one test started; close() removes them all, even the paused ones, even after a failure. */
final class ContainerSet implements AutoCloseable {
    private final List<JmultifdContainer> containers = new ArrayList<>();

    synchronized JmultifdContainer add(JmultifdContainer container) {
        containers.add(container);
        return container;
    }

    @Override
    public synchronized void close() {
        RuntimeException first = null;
        for (JmultifdContainer c : containers.reversed()) {
            try {
                c.stop();
            } catch (RuntimeException e) {
                System.out.println("[" + c.role() + "] removal failed: " + e);
                if (first == null) {
                    first = e;
                }
            }
        }
        containers.clear();
        if (first != null) {
            throw first;
        }
    }
}
