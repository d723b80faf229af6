package io.jmultifd.qpl.jobs;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * One batch of pages compressed or inflated by a QPL executor, with how many pages each tier handled.
 * Enabled by default; the executor fills and commits it only when {@link #shouldCommit()} says a recording
 * wants it, so an idle JFR costs one allocation that escape analysis removes.
 */
@Name("io.jmultifd.qpl.Batch")
@Label("QPL Batch")
@Category({"jmultifd", "QPL"})
@Description("A batch of pages compressed or decompressed through QPL")
public final class QplBatchEvent extends jdk.jfr.Event {
    @Label("Operation")
    public String operation;
    @Label("Path")
    @Description("The executor's path: hardware or software")
    public String path;
    @Label("Pages")
    public int pages;
    @Label("Hardware Pages")
    public int pagesHardware;
    @Label("Software Pages")
    public int pagesSoftware;
    @Label("Raw Pages")
    public int pagesRaw;
    @Label("Resubmissions")
    public int resubmissions;
    @Label("Fallbacks")
    public int fallbacks;
    @Label("Bytes In")
    @DataAmount
    public long bytesIn;
    @Label("Bytes Out")
    @DataAmount
    public long bytesOut;
}
