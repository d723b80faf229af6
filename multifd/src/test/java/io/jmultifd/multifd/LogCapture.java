package io.jmultifd.multifd;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects what a class logs (System.Logger goes to java.util.logging), while open; by default the destination. */
public final class LogCapture implements AutoCloseable {
    private final Logger logger; // held: JUL keeps weak refs
    private final List<String> messages = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            messages.add(r.getLevel() + " " + r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    LogCapture() {
        this(MigrationDestination.class);
    }

    /** What {@code source} logs, each as "LEVEL message". */
    public LogCapture(Class<?> source) {
        logger = Logger.getLogger(source.getName());
        logger.addHandler(handler);
    }

    public List<String> messages() {
        return List.copyOf(messages);
    }

    /** The first message containing {@code fragment}, or null. */
    String find(String fragment) {
        return messages.stream().filter(m -> m.contains(fragment)).findFirst().orElse(null);
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
    }
}
