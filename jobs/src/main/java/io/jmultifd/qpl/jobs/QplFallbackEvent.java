package io.jmultifd.qpl.jobs;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** One page that left its path: hardware to software, or software compression to raw. */
@Name("io.jmultifd.qpl.Fallback")
@Label("QPL Fallback")
@Category({"jmultifd", "QPL"})
@Description("A page moved to a lower tier, and why")
public final class QplFallbackEvent extends jdk.jfr.Event {
    @Label("Operation")
    public String operation;
    @Label("From")
    public String fromTier;
    @Label("To")
    public String toTier;
    @Label("Reason")
    @Description("queue busy after all retries, submit failed, wait failed, bad output size, software failed")
    public String reason;
    @Label("Status")
    public String status;
    @Label("Status Code")
    public int statusCode;
    @Label("Page Index")
    @Description("Index of the page within its batch")
    public int pageIndex;

    /** Commits one fallback when a recording wants it. */
    static void emit(String operation, String from, String to, String reason, int statusCode, int pageIndex) {
        QplFallbackEvent e = new QplFallbackEvent();
        if (e.shouldCommit()) {
            e.operation = operation;
            e.fromTier = from;
            e.toTier = to;
            e.reason = reason;
            e.status = QplStatus.describe(statusCode);
            e.statusCode = statusCode;
            e.pageIndex = pageIndex;
            e.commit();
        }
    }
}
