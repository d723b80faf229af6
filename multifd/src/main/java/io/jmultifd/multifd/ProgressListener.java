package io.jmultifd.multifd;

/** Receives progress reports from an engine thread; must be quick and must not throw. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = p -> {};

    void onProgress(Progress p);
}
