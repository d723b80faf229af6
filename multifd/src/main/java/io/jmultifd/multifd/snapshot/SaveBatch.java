package io.jmultifd.multifd.snapshot;

/** Page numbers of one block for one save channel, or (count -1) the end of its work; two per channel, reused. */
final class SaveBatch {
    final SaveChannel channel;
    final long[] pages;
    int block;
    int count;

    SaveBatch(SaveChannel channel, int size) {
        this.channel = channel;
        this.pages = new long[size];
    }
}
