package io.jmultifd.multifd.channels;

import io.jmultifd.multifd.Failure;
import io.jmultifd.multifd.wire.Wire;
import io.jmultifd.spi.MethodStatistics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The source's data channels as seen from the main thread: it takes a free batch from any channel (round
 * robin), hands it back filled, and closes a round with a SYNC on every channel. All waits check every 20 ms
 * whether the side has stopped.
 */
public final class SendChannels {
    private final List<SendChannel> channels = new ArrayList<>();
    private final Failure failure;
    private MethodStatistics before = MethodStatistics.EMPTY; // of the channels a postcopy resume replaced
    private int next;

    public SendChannels(Failure failure) {
        this.failure = failure;
    }

    public void add(SendChannel c) {
        channels.add(c);
    }

    /** A postcopy resume: {@code fresh} (new connections, new method state) replace the channels, whose threads ended. */
    public void replaceAll(List<SendChannel> fresh) {
        before = statistics();
        channels.clear();
        channels.addAll(fresh);
        next = 0;
    }

    public List<SendChannel> all() {
        return channels;
    }

    /** A free batch of the next channel that has one. */
    public PageBatch acquireAny() throws Failure.Stopped, InterruptedException {
        int n = channels.size();
        while (true) {
            for (int i = 0; i < n; i++) {
                SendChannel c = channels.get((next + i) % n);
                PageBatch b = c.free.poll();
                if (b != null) {
                    next = (c.index() + 1) % n;
                    return b;
                }
            }
            failure.check();
            PageBatch b = channels.get(next).free.poll(20, TimeUnit.MILLISECONDS);
            if (b != null) {
                next = (next + 1) % n;
                return b;
            }
        }
    }

    /** Hands a filled batch to its channel's sender thread. */
    public void dispatch(PageBatch batch) {
        if (!batch.channel.work.offer(batch)) {
            throw new IllegalStateException("channel queue overflow"); // cannot happen: queue holds all batches
        }
    }

    /** Closes {@code round}: a SYNC on every channel, then waits until every channel has written it. */
    public void sync(long round) throws Failure.Stopped, InterruptedException {
        marker(Wire.PACKET_SYNC, round);
    }

    /** Ends every channel's stream; END carries {@code rounds}, the round the destination would receive next. */
    public void end(long rounds) throws Failure.Stopped, InterruptedException {
        marker(Wire.PACKET_END, rounds);
    }

    private void marker(int type, long round) throws Failure.Stopped, InterruptedException {
        for (SendChannel c : channels) {
            PageBatch b = acquire(c);
            b.marker(type, round);
            dispatch(b);
        }
        for (SendChannel c : channels) {
            while (!c.markersWritten.tryAcquire(20, TimeUnit.MILLISECONDS)) {
                failure.check();
            }
        }
        failure.check();
    }

    private PageBatch acquire(SendChannel c) throws Failure.Stopped, InterruptedException {
        while (true) {
            failure.check();
            PageBatch b = c.free.poll(20, TimeUnit.MILLISECONDS);
            if (b != null) {
                return b;
            }
        }
    }

    /** The method's counters summed over the channels. */
    public MethodStatistics statistics() {
        MethodStatistics stats = before;
        for (SendChannel c : channels) {
            stats = stats.plus(c.statistics());
        }
        return stats;
    }
}
