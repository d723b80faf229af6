package io.jmultifd.cli;

import io.jmultifd.multifd.MigrationParameters;
import io.jmultifd.spi.TierStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which tier of a tiered method (qpl: hardware, software, java) handled a migration's pages, for the reports a
 * user reads (the demo table's row, the end-of-migration summary). When the pages went to the last tier, the one
 * that needs no accelerator or native library, it is said loudly and with the reason, so that a fallback is
 * never only in a log line above the table.
 */
final class TierNote {
    private TierNote() {}

    /** The note for a migration with {@code parameters} that produced {@code statistics}; empty when not tiered. */
    static String of(MigrationParameters parameters, Map<String, Long> statistics) {
        List<TierStatus> tiers;
        try {
            tiers = parameters.method().tiers();
        } catch (RuntimeException | LinkageError e) {
            tiers = List.of();
        }
        return of(statistics, tiers, parameters.toMap());
    }

    /**
     * E.g. "on the software tier", "on the hardware+software tiers", or for the last tier
     * "ON THE JAVA TIER: libqpl not loaded (...)" with the reason from the tier above it, or the parameter that
     * pinned it ("qpl-path=java"). Empty when the method has a single tier or counted no page per tier.
     *
     * @param statistics the method's counters, {@code pages_<tier>} for each tier
     * @param tiers      the method's tiers on this host, best first
     * @param parameters every migration parameter with its value (to find a pinned tier)
     */
    static String of(Map<String, Long> statistics, List<TierStatus> tiers, Map<String, String> parameters) {
        if (tiers.size() < 2) {
            return "";
        }
        List<String> used = new ArrayList<>();
        for (TierStatus tier : tiers) {
            if (statistics.getOrDefault("pages_" + tier.tier(), 0L) > 0) {
                used.add(tier.tier());
            }
        }
        if (used.isEmpty()) {
            return "";
        }
        TierStatus last = tiers.getLast();
        if (!used.contains(last.tier())) {
            return "on the " + String.join("+", used) + (used.size() == 1 ? " tier" : " tiers");
        }
        String loud = (used.size() == 1 ? "ON THE " + last.tier() + " TIER" : "ON THE " + String.join("+", used)
                + " TIERS").toUpperCase(Locale.ROOT);
        return loud + ": " + whyLast(tiers, parameters);
    }

    private static String whyLast(List<TierStatus> tiers, Map<String, String> parameters) {
        String lastTier = tiers.getLast().tier();
        for (Map.Entry<String, String> p : parameters.entrySet()) {
            if (lastTier.equals(p.getValue())) {
                return "pinned by " + p.getKey() + "=" + p.getValue();
            }
        }
        TierStatus above = tiers.get(tiers.size() - 2);
        if (!above.available()) {
            return above.tier() + " tier unavailable: " + firstLine(above.detail());
        }
        // The tier above works on this host, so a channel fell back at run time (counted per page).
        return "fell back from the " + above.tier() + " tier during the migration";
    }

    private static String firstLine(String text) {
        if (text == null || text.isBlank()) {
            return "no reason given";
        }
        int nl = text.indexOf('\n');
        return nl < 0 ? text.strip() : text.substring(0, nl).strip();
    }
}
