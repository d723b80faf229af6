package io.jmultifd.it;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Builds CLI argument lists. */
final class Cli {
    private Cli() {
    }

    static String[] args(String[] command, String... more) {
        List<String> all = new ArrayList<>(Arrays.asList(command));
        all.addAll(Arrays.asList(more));
        return all.toArray(String[]::new);
    }

    /** {@code --set NAME=VALUE} for each entry. */
    static String[] sets(String... nameValues) {
        List<String> all = new ArrayList<>();
        for (String nv : nameValues) {
            all.add("--set");
            all.add(nv);
        }
        return all.toArray(String[]::new);
    }
}
