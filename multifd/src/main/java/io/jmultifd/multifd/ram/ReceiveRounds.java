package io.jmultifd.multifd.ram;

import io.jmultifd.multifd.guest.RamBlock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.function.LongConsumer;

/**
 * The destination's rounds. A page may come in several rounds but at most once per round, so that an older
 * copy can never overwrite a newer one: one bitmap per block records the pages of the current round, and a
 * round ends only when every channel has reached its SYNC (a barrier), which clears the bitmaps.
 */
public final class ReceiveRounds {
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[][] bitmaps;
    private final List<RamBlock> blocks;
    private final CyclicBarrier barrier;
    private final LongConsumer roundEnded;
    private volatile long appliedRound;

    /** @param roundEnded told the number of the next round, once every channel has ended the previous one */
    public ReceiveRounds(List<RamBlock> blocks, int channels, LongConsumer roundEnded) {
        this.blocks = blocks;
        this.bitmaps = new long[blocks.size()][];
        for (int i = 0; i < blocks.size(); i++) {
            bitmaps[i] = new long[(int) ((blocks.get(i).pageCount() + 63) / 64)];
        }
        this.roundEnded = roundEnded;
        this.barrier = new CyclicBarrier(channels, this::nextRound);
    }

    /**
     * Marks {@code page} of {@code block} received in this round; false when it was already. A page that came as
     * free before ({@link FreePageReceiver}) is not free any more: whatever comes now is its content.
     */
    public boolean claim(int block, long page) {
        long mask = 1L << (page & 63);
        if ((((long) WORD.getAndBitwiseOr(bitmaps[block], (int) (page >>> 6), mask)) & mask) != 0) {
            return false;
        }
        blocks.get(block).free().clear(page); // a plain read unless the page came as free
        return true;
    }

    /**
     * Marks pages {@code first .. first+count-1} of {@code block} received in this round, a word at a time (a FREE
     * range); returns the first of them that was already, or -1 when none was. Unlike {@link #claim} it leaves
     * the free bits alone: the caller marks the whole range free next.
     */
    public long claimRange(int block, long first, long count) {
        long[] bitmap = bitmaps[block];
        long end = first + count;
        long page = first;
        while (page < end) {
            int w = (int) (page >>> 6);
            int from = (int) (page & 63);
            int to = (int) Math.min(64, end - ((long) w << 6));
            long mask = (to == 64 ? -1L : (1L << to) - 1) & (-1L << from);
            long before = (long) WORD.getAndBitwiseOr(bitmap, w, mask) & mask;
            if (before != 0) {
                return ((long) w << 6) + Long.numberOfTrailingZeros(before);
            }
            page = ((long) w << 6) + to;
        }
        return -1;
    }

    /** Waits up to {@code timeoutMs} until every channel has ended round {@code rounds - 1}; true when they have. */
    public synchronized boolean awaitApplied(long rounds, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (appliedRound < rounds) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000L));
        }
        return true;
    }

    /** A channel reached the round's SYNC: waits until every channel has. */
    public void awaitRoundEnd() throws InterruptedException, BrokenBarrierException {
        barrier.await();
    }

    /** Wakes every channel waiting at the end of a round (with a BrokenBarrierException), for teardown. */
    public void abort() {
        barrier.reset();
    }

    /** Runs once per round when every receiver has reached the round's SYNC: the next round may start. */
    private void nextRound() {
        // The barrier orders this with every receiver's next round.
        for (long[] bm : bitmaps) {
            Arrays.fill(bm, 0L);
        }
        synchronized (this) {
            appliedRound++;
            notifyAll();
        }
        roundEnded.accept(appliedRound);
    }
}
