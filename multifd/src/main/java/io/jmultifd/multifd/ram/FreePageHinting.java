package io.jmultifd.multifd.ram;

import io.jmultifd.multifd.guest.FreePageHints;
import io.jmultifd.multifd.guest.GuestMemory;

/**
 * The source's part of free-page hints ({@code free-page-hint=on}) in one migration: the guest's hint window is
 * open from the bulk round until the stop-and-copy round (QEMU asks the balloon driver at the start of the bulk
 * stage), the scan sends the pages free when it takes them as FREE ranges, and the checksum counts every page
 * free at the end as zeros, as the destination holds it. With {@code off} every page is sent and checked as it is.
 */
public final class FreePageHinting {
    private final GuestMemory guest;
    private final boolean on;

    public FreePageHinting(GuestMemory guest, BitmapScan scan, boolean on) {
        this.guest = guest;
        this.on = on;
        scan.freePageHints(on);
    }

    /** The bulk round starts: hints count from now on, and the guest is asked for its free memory. */
    public void open() {
        if (on) {
            guest.hints().open();
        }
    }

    /** Before the last round (the guest is paused): no hint changes the free pages any more. Idempotent. */
    public void close() {
        if (on) {
            guest.hints().close();
        }
    }

    /** Hints taken in this migration. */
    public long hintsReceived() {
        return on ? guest.hints().hintsReceived() : 0;
    }

    /** Hinted pages written again in this migration (each sent again). */
    public long hintsInvalidated() {
        return on ? guest.hints().hintsInvalidated() : 0;
    }

    /** The guest's hint API, for tests and reporters. */
    public FreePageHints hints() {
        return guest.hints();
    }
}
