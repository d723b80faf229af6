package io.jmultifd.multifd.channels;

/** {@code max-bandwidth}: a token bucket shared by all channels of one source (about 50 ms of burst). */
public final class RateLimiter {
    private final long bytesPerSecond;
    private long nextFreeNanos = System.nanoTime();

    public RateLimiter(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Takes {@code bytes} tokens, sleeping as long as the bucket is in debt. */
    public void acquire(long bytes) throws InterruptedException {
        if (bytesPerSecond <= 0) {
            return;
        }
        long wakeAt;
        synchronized (this) {
            long now = System.nanoTime();
            long burst = 50_000_000L;
            if (nextFreeNanos < now - burst) {
                nextFreeNanos = now - burst;
            }
            nextFreeNanos += (long) (bytes * 1e9 / bytesPerSecond);
            wakeAt = nextFreeNanos;
        }
        long wait = wakeAt - System.nanoTime();
        if (wait > 0) {
            java.util.concurrent.TimeUnit.NANOSECONDS.sleep(wait);
        }
    }
}
